"""The built-in ``stackgan`` generator: paper shapes and parameter counts, variants, settings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from dnagan import ConfigError, StageNetworks
from dnagan.plugins import get_plugins

LATENT = 128
PAPER = {"variant": "paper", "latent_dim": LATENT, "stage1_size": 64, "stage2_size": 224}


def architecture() -> Any:
    registration = get_plugins().generators.get("stackgan")
    assert registration.plugin == "stackgan"
    return registration.item()


def build(stage: int, **settings: Any) -> StageNetworks:
    torch.manual_seed(0)
    return getattr(architecture(), f"build_stage{stage}")(settings)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def dense(fin: int, fout: int) -> int:
    return fin * fout + fout


def conv(k: int, cin: int, cout: int) -> int:
    return k * k * cin * cout + cout


def shapes(module: nn.Module, names: list[str], *inputs: torch.Tensor) -> list[tuple[int, ...]]:
    """Output shapes of the named submodules during one forward pass."""
    found: dict[str, tuple[int, ...]] = {}
    modules = dict(module.named_modules())
    handles = [
        modules[name].register_forward_hook(
            lambda _m, _i, out, name=name: found.__setitem__(name, tuple(out.shape))
        )
        for name in names
    ]
    with torch.no_grad():
        module(*inputs)
    for handle in handles:
        handle.remove()
    return [found[name] for name in names]


def test_paper_stage1_shapes_and_parameters() -> None:
    nets = build(1, **PAPER)
    g, d = nets.generator, nets.discriminator
    z = torch.randn(2, LATENT)
    g_names = ["fc", "blocks.0", "blocks.1", "blocks.2", "blocks.3", "to_rgb"]
    assert shapes(g, g_names, z) == [
        (2, 1024 * 4 * 4),
        (2, 512, 8, 8),
        (2, 256, 16, 16),
        (2, 128, 32, 32),
        (2, 64, 64, 64),
        (2, 3, 64, 64),
    ]
    assert (
        n_params(g)
        == (
            dense(128, 1024 * 16)
            + conv(3, 1024, 512)
            + conv(3, 512, 256)
            + conv(3, 256, 128)
            + conv(3, 128, 64)
            + conv(3, 64, 3)
        )
        == 8_383_107
    )
    image = g(z)
    assert image.shape == (2, 3, 64, 64) and image.abs().max() <= 1
    d_names = ["stem", "blocks.0", "blocks.1", "blocks.2", "blocks.3", "fc"]
    assert shapes(d, d_names, image) == [
        (2, 64, 64, 64),
        (2, 128, 32, 32),
        (2, 256, 16, 16),
        (2, 512, 8, 8),
        (2, 1024, 4, 4),
        (2, 1),
    ]
    assert (
        n_params(d)
        == (
            conv(4, 3, 64)
            + conv(4, 64, 128)
            + conv(4, 128, 256)
            + conv(4, 256, 512)
            + conv(4, 512, 1024)
            + dense(1024 * 4 * 4, 1)
        )
        == 11_162_561
    )
    assert d(image).shape == (2,)
    assert sum(isinstance(m, nn.Dropout) and m.p == 0.2 for m in d.modules()) == 4


def test_paper_stage2_shapes_parameters_and_ignores_z() -> None:
    nets = build(2, **PAPER)
    g, d = nets.generator, nets.discriminator
    image1 = torch.rand(1, 3, 64, 64) * 2 - 1
    z = torch.randn(1, LATENT)
    g_names = ["resize", "blocks.0", "blocks.1", "to_rgb"]
    assert shapes(g, g_names, image1, z) == [
        (1, 3, 56, 56),
        (1, 112, 112, 112),
        (1, 224, 224, 224),
        (1, 3, 224, 224),
    ]
    assert n_params(g) == conv(4, 3, 112) + conv(4, 112, 224) + conv(3, 224, 3) == 413_171
    with torch.no_grad():
        image = g(image1, z)
        assert torch.equal(image, g(image1, torch.randn(1, LATENT)))
    d_names = ["stem", "blocks.0", "blocks.1", "blocks.2", "fc"]
    assert shapes(d, d_names, image) == [
        (1, 224, 112, 112),
        (1, 56, 56, 56),
        (1, 112, 28, 28),
        (1, 224, 14, 14),
        (1, 1),
    ]
    assert (
        n_params(d)
        == (
            conv(4, 3, 224)
            + conv(4, 224, 56)
            + conv(4, 56, 112)
            + conv(4, 112, 224)
            + dense(224 * 14 * 14, 1)
        )
        == 757_737
    )


def test_lanczos_matches_pillow() -> None:
    from dnagan_builtins.generators.stackgan.layers import LanczosResize

    rng = np.random.default_rng(0)
    resize = LanczosResize(64, 56)
    plane = rng.random((64, 64)).astype(np.float32)
    expected = np.asarray(
        Image.fromarray(plane, mode="F").resize((56, 56), Image.Resampling.LANCZOS)
    )
    got = resize(torch.from_numpy(plane)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # a smooth 8-bit RGB image: Pillow rounds between passes, so allow one or two levels
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    rgb = np.stack([xx, yy, 0.5 + 0.5 * np.sin(6 * xx * yy)], axis=-1)
    image = (rgb * 255).round().astype(np.uint8)
    expected_rgb = np.asarray(Image.fromarray(image).resize((56, 56), Image.Resampling.LANCZOS))
    tensor = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    got_rgb = resize(tensor)[0].permute(1, 2, 0).round().clamp(0, 255).numpy()
    assert np.abs(got_rgb - expected_rgb).max() <= 2
    assert [name for name, _ in resize.named_buffers()] == ["matrix"]


@pytest.mark.parametrize("variant", ["quick", "smoke"])
def test_modern_variants_shapes_and_z_conditioning(variant: str) -> None:
    stage1, stage2 = build(1, variant=variant), build(2, variant=variant)
    z = torch.randn(2, LATENT)
    with torch.no_grad():
        image1 = stage1.generator(z)
        image2 = stage2.generator(image1, z)
        other = stage2.generator(image1, torch.randn(2, LATENT))
        assert image1.shape == (2, 3, 64, 64) and image2.shape == (2, 3, 224, 224)
        assert image1.abs().max() <= 1 and image2.abs().max() <= 1
        assert not torch.equal(image2, other)
        assert stage1.discriminator(image1).shape == (2,)
        assert stage2.discriminator(image2).shape == (2,)
    spectral = [m for m in stage2.discriminator.modules() if hasattr(m, "parametrizations")]
    assert spectral


def test_parameter_budgets() -> None:
    quick1, smoke1 = build(1, variant="quick"), build(1, variant="smoke")
    assert 1_500_000 < n_params(quick1.generator) < 3_000_000
    for stage in (1, 2):
        smoke = build(stage, variant="smoke")
        assert n_params(smoke.generator) < 100_000 and n_params(smoke.discriminator) < 100_000
    assert n_params(smoke1.generator) < n_params(quick1.generator)
    wide = build(1, variant="quick", width=0.5)
    assert n_params(wide.generator) < n_params(quick1.generator)


def test_quick_default_upsample_is_transposed_and_unchanged() -> None:
    g1, g2 = build(1, variant="quick").generator, build(2, variant="quick").generator
    ups1 = sum(conv(4, a, b) for a, b in [(256, 256), (256, 128), (128, 64), (64, 32)])
    assert n_params(g1) == dense(LATENT, 256 * 16) + ups1 + conv(3, 32, 3) == 2_266_435
    assert n_params(g2) == 347_971
    for stage, default in ((1, g1), (2, g2)):
        explicit = build(stage, variant="quick", upsample="transposed").generator
        assert explicit.state_dict().keys() == default.state_dict().keys()
        assert any(isinstance(m, nn.ConvTranspose2d) for m in default.modules())
        assert not any(isinstance(m, nn.Upsample) for m in default.modules())


@pytest.mark.parametrize("variant", ["quick", "smoke"])
@pytest.mark.parametrize("upsample", ["transposed", "nearest"])
def test_upsample_setting_shapes(variant: str, upsample: str) -> None:
    stage1 = build(1, variant=variant, upsample=upsample)
    stage2 = build(2, variant=variant, upsample=upsample)
    z = torch.randn(2, LATENT)
    with torch.no_grad():
        image1 = stage1.generator(z)
        image2 = stage2.generator(image1, z)
    assert image1.shape == (2, 3, 64, 64) and image2.shape == (2, 3, 224, 224)
    for generator in (stage1.generator, stage2.generator):
        layers = list(generator.modules())
        assert any(isinstance(m, nn.Upsample) for m in layers) == (upsample == "nearest")
        assert any(isinstance(m, nn.ConvTranspose2d) for m in layers) == (upsample != "nearest")


def test_init_is_deterministic_given_the_seed() -> None:
    a = build(2, variant="quick").generator.state_dict()
    b = build(2, variant="quick").generator.state_dict()
    assert all(torch.equal(a[key], b[key]) for key in a)


@pytest.mark.parametrize("variant", ["paper", "quick", "smoke"])
def test_channels_last_and_bf16_autocast(variant: str) -> None:
    stage1, stage2 = build(1, variant=variant), build(2, variant=variant)
    for module in (stage1.generator, stage1.discriminator, stage2.generator, stage2.discriminator):
        module.to(memory_format=torch.channels_last)
    z = torch.randn(1, LATENT)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        image1 = stage1.generator(z)
        image2 = stage2.generator(image1.contiguous(memory_format=torch.channels_last), z)
        logits = stage2.discriminator(image2), stage1.discriminator(image1)
    assert image2.shape == (1, 3, 224, 224)
    assert all(torch.isfinite(x.float()).all() for x in (image1, image2, *logits))


def test_gradients_reach_every_parameter() -> None:
    stage1, stage2 = build(1, variant="smoke"), build(2, variant="smoke")
    z = torch.randn(2, LATENT)
    image2 = stage2.generator(stage1.generator(z), z)
    (
        stage2.discriminator(image2).sum() + stage1.discriminator(stage1.generator(z)).sum()
    ).backward()
    for nets in (stage1, stage2):
        for module in (nets.generator, nets.discriminator):
            assert all(p.grad is not None for p in module.parameters())


def test_spectral_norm_override() -> None:
    def has_sn(module: nn.Module) -> bool:
        return any(hasattr(m, "parametrizations") for m in module.modules())

    assert not has_sn(build(1, **PAPER).discriminator)
    assert has_sn(build(2, **PAPER, spectral_norm=True).discriminator)
    assert not has_sn(build(1, variant="smoke", spectral_norm=False).discriminator)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"variant": "paper", "colour": 1}, "unknown setting 'colour'"),
        ({"variant": "huge"}, "'variant'"),
        ({}, "'variant'"),
        ({"variant": "quick", "stage1_size": 128}, "stage1_size"),
        ({"variant": "quick", "stage2_size": 256}, "stage2_size"),
        ({"variant": "quick", "latent_dim": 0}, "latent_dim"),
        ({"variant": "quick", "latent_dim": "128"}, "latent_dim"),
        ({"variant": "quick", "width": -1}, "width"),
        ({"variant": "quick", "spectral_norm": "yes"}, "spectral_norm"),
        ({"variant": "quick", "upsample": "bilinear"}, "'upsample'.*transposed, nearest"),
        ({"variant": "paper", "upsample": "nearest"}, "'upsample'.*paper"),
    ],
)
def test_invalid_settings(settings: dict[str, Any], message: str) -> None:
    for stage in (1, 2):
        with pytest.raises(ConfigError, match=message):
            getattr(architecture(), f"build_stage{stage}")(settings)


def test_latent_dim_setting() -> None:
    nets = build(1, variant="smoke", latent_dim=16)
    assert nets.generator(torch.randn(3, 16)).shape == (3, 3, 64, 64)
