"""``dnagan fid`` and in-memory FID against pytorch-fid; quantisation, batching, caching, guards."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dnagan.evaluation import EvaluationContext, InceptionFeatures, run_evaluators, to_uint8
from dnagan.evaluation.folders import image_files, read_images
from dnagan.evaluation.frechet import feature_statistics, frechet_distance
from dnagan.evaluation.weights import ensure_inception_weights
from dnagan.synthetic.landscapes import render_landscapes

COUNT = 8  # per folder: small, since Inception costs ~0.2 s per image on this CPU


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two folders of PNG landscapes (different seeds and sizes) and the weights in place."""
    ensure_inception_weights(keep_reference=True)
    root = tmp_path_factory.mktemp("fid")
    for name, seed, size in (("a", 1, 64), ("b", 2, 48)):
        (root / name).mkdir()
        for index, image in enumerate(render_landscapes(COUNT, size, seed=seed)):
            Image.fromarray(image).save(root / name / f"{index:03d}.png")
    return root / "a", root / "b"


@pytest.fixture(scope="module")
def dnagan_fid(folders: tuple[Path, Path]) -> tuple[float, str]:
    """``dnagan fid a b`` run once: (FID, stdout)."""
    from dnagan.testing import invoke_cli

    result = invoke_cli(["fid", str(folders[0]), str(folders[1]), "--device", "cpu"])
    assert result.exit_code == 0, result.stderr
    return _last_fid(result.stdout), result.stdout


def _last_fid(stdout: str) -> float:
    last = stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"FID:  \S+", last), last
    return float(last.split()[-1])


def test_dnagan_fid_matches_pytorch_fid_cli(
    folders: tuple[Path, Path], dnagan_fid: tuple[float, str]
) -> None:
    a, b = folders
    command = [
        sys.executable,
        "-m",
        "pytorch_fid",
        str(a),
        str(b),
        "--device",
        "cpu",
        "--num-workers",
        "0",
    ]
    reference = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    ours, stdout = dnagan_fid
    assert f"samples: {COUNT} ({a}), {COUNT} ({b})" in stdout.splitlines()[-2]
    assert ours == pytest.approx(_last_fid(reference.stdout), rel=1e-3)


def test_in_memory_fid_with_cached_real_statistics(
    folders: tuple[Path, Path],
    dnagan_fid: tuple[float, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = folders
    fakes = np.stack(list(read_images(image_files(a))))
    reals = np.stack(list(read_images(image_files(b))))
    context = EvaluationContext(fakes=fakes, reals=reals, cache_dir=tmp_path)
    first = run_evaluators(context, ["fid"], prefix="stage2_")
    assert first["stage2_fid_n"] == COUNT and "stage2_fid_warning" in first
    assert len(list((tmp_path / "fid-stats").glob("*.npz"))) == 1
    assert first["stage2_fid"] == pytest.approx(dnagan_fid[0], rel=1e-6)

    again = EvaluationContext(fakes=fakes, reals=reals, cache_dir=tmp_path)
    again.fake_features  # noqa: B018 - computed before forbidding extraction
    monkeypatch.setattr(InceptionFeatures, "features", _forbidden)
    assert run_evaluators(again, ["fid"]) == {
        "fid": first["stage2_fid"],
        "fid_n": COUNT,
        "fid_warning": first["stage2_fid_warning"],
    }


def _forbidden(*_args: object) -> None:
    raise AssertionError("real features were recomputed instead of read from the cache")


def test_features_do_not_depend_on_batch_size_or_fast_path(folders: tuple[Path, Path]) -> None:
    images = np.stack(list(read_images(image_files(folders[0]))))[:4]
    fast = InceptionFeatures(batch_size=4).features(images)
    small = InceptionFeatures(batch_size=3).features(images)
    plain = InceptionFeatures(batch_size=4, fast=False).features(images)
    assert fast.shape == (4, 2048) and fast.dtype == np.float64
    np.testing.assert_allclose(small, fast, atol=1e-4)
    np.testing.assert_allclose(plain, fast, atol=1e-4)


def test_to_uint8_equals_a_saved_png(tmp_path: Path) -> None:
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * 2.2 - 1.1
    x[0, 0, 0, :4] = torch.tensor([-1.0, 1.0, 0.0, -1 + 1 / 127.5])
    quantised = to_uint8(x)
    assert quantised.dtype == np.uint8 and quantised.shape == (2, 8, 8, 3)
    assert list(quantised[0, 0, :4, 0]) == [0, 255, 128, 1]
    expected = np.clip(np.round((x.numpy() + 1) * 127.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(quantised, expected.transpose(0, 2, 3, 1))
    Image.fromarray(quantised[1]).save(tmp_path / "x.png")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "x.png")), quantised[1])


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
def test_frechet_matches_pytorch_fid_formula_when_full_rank() -> None:
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(0)
    a = feature_statistics(rng.normal(size=(300, 16)))
    b = feature_statistics(rng.normal(0.3, 1.2, size=(200, 16)))
    expected = calculate_frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
    result = frechet_distance(a, b)
    assert result.value == pytest.approx(expected, rel=1e-9) and result.warning is None


def test_rank_deficient_and_collapsed_sets_give_finite_labelled_fid() -> None:
    rng = np.random.default_rng(1)
    few = feature_statistics(rng.random((10, 64)))
    many = feature_statistics(rng.random((20, 64)))
    collapsed = feature_statistics(np.tile(rng.random(64), (10, 1)))
    logger = logging.getLogger("dnagan")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        deficient = frechet_distance(few, many)
        same = frechet_distance(collapsed, collapsed)
    finally:
        logger.removeHandler(handler)
    assert np.isfinite(deficient.value) and deficient.value > 0
    assert "10 and 20 samples <= 64" in (deficient.warning or "")
    assert same.value == pytest.approx(0, abs=1e-9) and "collapsed" in (same.warning or "")
    assert "rank-deficient" in records[0].getMessage()


def test_fewer_than_two_images_is_a_config_error() -> None:
    from dnagan.errors import ConfigError

    with pytest.raises(ConfigError, match="at least 2"):
        feature_statistics(np.zeros((1, 8)))


def test_fid_of_missing_folder_is_an_input_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("fid", str(tmp_path / "nope"), str(tmp_path))
    assert result.exit_code == 2 and "not a folder" in result.stderr
