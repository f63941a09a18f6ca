"""DiffAugment: shapes, gradients, reproducibility with a generator, policy validation."""

from __future__ import annotations

import pytest
import torch

from dnagan import ConfigError
from dnagan.training.augment import (
    diff_augment,
    rand_brightness,
    rand_contrast,
    rand_cutout,
    rand_saturation,
    rand_translation,
)


def batch(n: int = 4, size: int = 16) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(1)) * 2 - 1


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_shape_and_gradients(policy: str) -> None:
    x = batch().requires_grad_()
    y = diff_augment(x, policy, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.dtype == x.dtype
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_same_generator_seed_same_output() -> None:
    x = batch()
    a = diff_augment(x, generator=torch.Generator().manual_seed(7))
    b = diff_augment(x, generator=torch.Generator().manual_seed(7))
    c = diff_augment(x, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_generator_does_not_touch_global_rng() -> None:
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    diff_augment(batch(), generator=torch.Generator().manual_seed(0))
    assert torch.equal(torch.rand(1), expected)


def test_empty_policy_is_identity_and_unknown_rejected() -> None:
    x = batch()
    assert diff_augment(x, "") is x
    with pytest.raises(ConfigError, match="'blur'"):
        diff_augment(x, "color,blur")


def test_translation_moves_content_and_pads_with_zeros() -> None:
    x = torch.ones(64, 1, 8, 8)
    y = rand_translation(x, torch.Generator().manual_seed(0))
    # shifts of up to 1 pixel (8 * 1/8): each image keeps >= 7x7 ones, the rest is zero padding
    kept = y.sum(dim=(1, 2, 3))
    assert kept.min() >= 49 and kept.max() == 64 and (kept < 64).any()
    assert set(y.unique().tolist()) <= {0.0, 1.0}


def test_cutout_zeroes_at_most_half_squares() -> None:
    x = torch.ones(32, 3, 16, 16)
    y = rand_cutout(x, torch.Generator().manual_seed(0))
    zeroed = (y[:, 0] == 0).sum(dim=(1, 2))
    assert zeroed.max() <= 64 and zeroed.min() > 0
    assert torch.equal(y[:, 0], y[:, 2])


def test_color_ranges() -> None:
    x = batch(256)
    g = torch.Generator().manual_seed(0)
    shift = (rand_brightness(x, g) - x).mean(dim=(1, 2, 3))
    assert shift.abs().max() <= 0.5 and shift.min() < -0.3 and shift.max() > 0.3
    grey = x.mean(dim=1, keepdim=True).expand_as(x)
    assert torch.allclose(rand_saturation(grey, g), grey)
    flat = torch.full_like(x, 0.25)
    assert torch.allclose(rand_contrast(flat, g), flat)


def test_channels_last_and_bf16() -> None:
    x = batch().to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    y = diff_augment(x, generator=torch.Generator().manual_seed(0))
    assert y.dtype == torch.bfloat16 and y.is_contiguous(memory_format=torch.channels_last)
