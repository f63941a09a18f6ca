"""The built-in evaluators and the runner, with a cheap stand-in for the Inception network."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from dnagan.errors import ConfigError
from dnagan.evaluation import EvaluationContext, run_evaluators
from dnagan.evaluation.metrics import kernel_inception_distance, point_mutants

SIZE = 8


class TinyFeatures:
    """Stand-in extractor: 4x4 mean-pooled pixels (48 features); counts images it sees."""

    dims = 48
    extractor_id = cache_id = "tiny-test-features"

    def __init__(self) -> None:
        self.seen = 0

    def features(self, images: np.ndarray) -> np.ndarray:
        self.seen += len(images)
        pooled = images.reshape(len(images), 4, SIZE // 4, 4, SIZE // 4, 3).mean(axis=(2, 4))
        return pooled.reshape(len(images), -1).astype(np.float64) / 255


def _images(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, SIZE, SIZE, 3), dtype=np.uint8)


def _gc_image(sequence: str) -> np.ndarray:
    """A 'generator' whose image depends smoothly on GC content: single mutants look alike."""
    gc = sum(base in "GC" for base in sequence) / len(sequence)
    return np.full((SIZE, SIZE, 3), round(gc * 255), dtype=np.uint8)


def _hash_image(sequence: str) -> np.ndarray:
    """A 'generator' with no locality: any change gives an unrelated image."""
    return _images(1, zlib.crc32(sequence.encode()))[0]


def _sequences(count: int = 20, length: int = 30) -> list[str]:
    rng = np.random.default_rng(3)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(count)]


def _context(
    fakes: np.ndarray,
    reals: np.ndarray,
    tmp_path: Path,
    generate: object = None,
    sequences: Sequence[str] | None = None,
) -> EvaluationContext:
    return EvaluationContext(
        fakes=fakes,
        reals=reals,
        sequences=sequences,
        generate=generate,  # type: ignore[arg-type]
        cache_dir=tmp_path,
        feature_extractor=TinyFeatures(),  # type: ignore[arg-type]
    )


def _generator(function):  # type: ignore[no-untyped-def]
    return lambda sequences: np.stack([function(s) for s in sequences])


def test_runner_merges_prefixed_metrics_and_shares_features(tmp_path: Path) -> None:
    context = _context(_images(30, 0), _images(40, 1), tmp_path)
    metrics = run_evaluators(context, ["fid", "kid", "diversity"], prefix="stage1_")
    assert {
        "stage1_fid",
        "stage1_fid_n",
        "stage1_kid",
        "stage1_kid_std",
        "stage1_kid_n",
        "stage1_diversity",
        "stage1_diversity_relative",
    } <= set(metrics)
    assert metrics["stage1_fid_n"] == 30 and metrics["stage1_kid_n"] == 30
    assert context.feature_extractor.seen == 70  # type: ignore[union-attr]
    assert all(np.isfinite(v) for v in metrics.values() if isinstance(v, float))


def test_unknown_evaluator_lists_valid_names(tmp_path: Path) -> None:
    context = _context(_images(4, 0), _images(4, 1), tmp_path)
    with pytest.raises(ConfigError, match=r"unknown evaluator 'fidd' \(valid: .*determinism.*fid"):
        run_evaluators(context, ["fid", "fidd"])


def test_missing_needs_is_a_config_error(tmp_path: Path) -> None:
    context = _context(_images(4, 0), _images(4, 1), tmp_path)
    with pytest.raises(ConfigError, match="'locality' needs generate, sequences"):
        run_evaluators(context, ["locality"])


def test_fid_of_a_set_with_itself_is_zero_and_real_stats_are_cached(tmp_path: Path) -> None:
    images = _images(60, 2)
    metrics = run_evaluators(_context(images, images, tmp_path), ["fid"])
    assert metrics["fid"] == pytest.approx(0, abs=1e-6) and "fid_warning" not in metrics
    again = _context(_images(60, 3), images, tmp_path)
    run_evaluators(again, ["fid"])
    assert again.feature_extractor.seen == 60  # type: ignore[union-attr]  # fakes only


def test_corrupt_statistics_cache_is_recomputed(tmp_path: Path) -> None:
    images = _images(10, 2)
    run_evaluators(_context(images, images, tmp_path), ["fid"])
    [entry] = (tmp_path / "fid-stats").glob("*.npz")
    entry.write_bytes(b"garbage")
    context = _context(images, images, tmp_path)
    assert run_evaluators(context, ["fid"])["fid"] == pytest.approx(0, abs=1e-6)
    assert context.feature_extractor.seen == 20  # type: ignore[union-attr]


def test_unwritable_statistics_cache_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The statistics cache is optional: a cache folder that cannot be made does not stop FID."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    images = _images(10, 2)
    with caplog.at_level(logging.WARNING, logger="dnagan"):
        metrics = run_evaluators(_context(images, images, blocker), ["fid"])
    assert metrics["fid"] == pytest.approx(0, abs=1e-6)
    assert "could not write the FID statistics cache" in caplog.text


def _naive_kid(x: np.ndarray, y: np.ndarray) -> float:
    def k(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a @ b.T / x.shape[1] + 1) ** 3

    m = len(x)
    off = ~np.eye(m, dtype=bool)
    return float(k(x, x)[off].mean() + k(y, y)[off].mean() - 2 * k(x, y).mean())


def test_kid_is_the_unbiased_mmd_with_cubic_kernel() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((12, 5)), rng.random((12, 5)) + 0.2
    kid, std, size = kernel_inception_distance(x, y, subsets=3)
    assert size == 12 and std == pytest.approx(0, abs=1e-12)  # every subset is the whole set
    assert kid == pytest.approx(_naive_kid(x, y), rel=1e-10)
    a, b = rng.random((300, 5)), rng.random((300, 5))
    same, same_std, _ = kernel_inception_distance(a, b, subsets=20, subset_size=100)
    assert abs(same) < 3 * same_std + 1e-3 and abs(same) < 0.05 * kid


def test_diversity_is_low_for_a_collapsed_set(tmp_path: Path) -> None:
    collapsed = np.repeat(_images(1, 4), 20, axis=0)
    metrics = run_evaluators(_context(collapsed, _images(20, 5), tmp_path), ["diversity"])
    assert metrics["diversity"] == pytest.approx(0, abs=1e-6)
    images = _images(20, 5)
    same = run_evaluators(_context(images, images, tmp_path), ["diversity"])
    assert same["diversity_relative"] == pytest.approx(1.0)
    features = TinyFeatures().features(images)
    pairs = [np.sum((a - b) ** 2) for i, a in enumerate(features) for b in features[i + 1 :]]
    assert same["diversity"] == pytest.approx(np.sqrt(np.mean(pairs)))


def test_point_mutants_change_exactly_one_base_deterministically() -> None:
    sequences = _sequences()
    mutants = point_mutants(sequences)
    assert mutants == point_mutants(sequences)
    for original, mutant in zip(sequences, mutants, strict=True):
        assert len(mutant) == len(original)
        assert sum(a != b for a, b in zip(original, mutant, strict=True)) == 1


def test_locality_separates_smooth_from_unrelated_generators(tmp_path: Path) -> None:
    images, sequences = _images(4, 0), _sequences()
    smooth = _context(images, images, tmp_path, _generator(_gc_image), sequences)
    hashed = _context(images, images, tmp_path, _generator(_hash_image), sequences)
    near = run_evaluators(smooth, ["locality"])
    far = run_evaluators(hashed, ["locality"])
    assert near["locality_n"] == 20
    assert near["locality"] < 0.5 < far["locality"]
    assert far["locality"] == pytest.approx(1.0, abs=0.2)


def test_determinism(tmp_path: Path) -> None:
    images, sequences = _images(4, 0), _sequences()
    rng = np.random.default_rng(0)
    fixed = _context(images, images, tmp_path, _generator(_gc_image), sequences)
    noisy = _context(
        images, images, tmp_path, lambda s: _images(len(s), int(rng.integers(1 << 30))), sequences
    )
    assert run_evaluators(fixed, ["determinism"]) == {"determinism": True, "determinism_n": 20}
    assert run_evaluators(noisy, ["determinism"])["determinism"] is False
