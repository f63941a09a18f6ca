"""The metrics behind the built-in evaluators, as functions of an :class:`EvaluationContext`.

``fid_metrics``, ``kid_metrics``, ``diversity_metrics``, ``locality_metrics`` and
``determinism_metrics`` each return a flat dict; the evaluator plugins wrap them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from dnagan.errors import ConfigError, PluginError
from dnagan.evaluation.context import EvaluationContext
from dnagan.evaluation.frechet import frechet_distance
from dnagan.evaluation.runner import Metrics
from dnagan.evaluators import Evaluator

KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
#: How many sequences locality and determinism generate from.
PROBE_SEQUENCES = 32
_BASES = "ACGT"


def fid_metrics(context: EvaluationContext) -> Metrics:
    """``fid`` and its sample count ``fid_n`` (and ``fid_warning`` for questionable sets)."""
    result = frechet_distance(context.fake_stats, context.real_stats)
    metrics: Metrics = {"fid": result.value, "fid_n": context.fake_stats.n}
    if result.warning:
        metrics["fid_warning"] = result.warning
    return metrics


def kernel_inception_distance(
    fake: np.ndarray,
    real: np.ndarray,
    subsets: int = KID_SUBSETS,
    subset_size: int = KID_SUBSET_SIZE,
    seed: int = 0,
) -> tuple[float, float, int]:
    """Unbiased KID (MMD^2 with the kernel ``(x.y / d + 1)^3``) averaged over random subsets.

    As torch-fidelity and stylegan2-ada: subsets of ``min(subset_size, n_fake, n_real)`` drawn
    without replacement. Returns (mean, standard deviation over subsets, subset size).
    """
    size = min(subset_size, len(fake), len(real))
    if size < 2:
        raise ConfigError(
            f"KID needs at least 2 generated and 2 real images, got {len(fake)} and {len(real)}"
        )
    dims = fake.shape[1]
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for index in range(subsets):
        x = fake[rng.choice(len(fake), size, replace=False)]
        y = real[rng.choice(len(real), size, replace=False)]
        k_xx = (x @ x.T / dims + 1) ** 3
        k_yy = (y @ y.T / dims + 1) ** 3
        k_xy = (x @ y.T / dims + 1) ** 3
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (size * (size - 1))
        values[index] = within - 2 * k_xy.mean()
    return float(values.mean()), float(values.std()), size


def kid_metrics(context: EvaluationContext) -> Metrics:
    """``kid``, ``kid_std`` (over subsets) and ``kid_n`` (the subset size)."""
    kid, std, size = kernel_inception_distance(context.fake_features, context.real_features)
    return {"kid": kid, "kid_std": std, "kid_n": size}


def diversity_metrics(context: EvaluationContext) -> Metrics:
    """Root-mean-square pairwise distance of the fakes' features, raw and relative to the reals'.

    Over all pairs of distinct samples, the mean squared distance is exactly ``2 tr(cov)``, so the
    real side comes from the cached statistics. ``diversity_relative`` near 0 means mode collapse.
    """
    fake = float(np.sqrt(max(2 * np.trace(context.fake_stats.sigma), 0.0)))
    real = float(np.sqrt(max(2 * np.trace(context.real_stats.sigma), 0.0)))
    metrics: Metrics = {"diversity": fake, "diversity_n": context.fake_stats.n}
    metrics["diversity_relative"] = fake / real if real > 0 else float("inf")
    return metrics


def point_mutants(sequences: Sequence[str], seed: int = 0) -> list[str]:
    """One single-base substitution of each sequence, at a seeded random position."""
    rng = np.random.default_rng(seed)
    mutants = []
    for sequence in sequences:
        if not sequence:
            raise ConfigError("locality needs non-empty sequences")
        position = int(rng.integers(len(sequence)))
        choices = [base for base in _BASES if base != sequence[position]]
        replacement = choices[int(rng.integers(len(choices)))]
        mutants.append(sequence[:position] + replacement + sequence[position + 1 :])
    return mutants


def generate_checked(context: EvaluationContext, sequences: Sequence[str]) -> np.ndarray:
    """Call ``context.generate`` and check it returned one uint8 NHWC image per sequence."""
    if context.generate is None:
        raise ConfigError("this evaluation has no generator to call")
    images = context.generate(sequences)
    if not (isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.ndim == 4):
        raise PluginError("generate() must return a uint8 (n, height, width, 3) array")
    if len(images) != len(sequences):
        raise PluginError(
            f"generate() returned {len(images)} images for {len(sequences)} sequences"
        )
    return images


def probe_sequences(context: EvaluationContext, minimum: int = 1) -> list[str]:
    """The first :data:`PROBE_SEQUENCES` sequences of the context (at least ``minimum``)."""
    sequences = list(context.sequences or [])[:PROBE_SEQUENCES]
    if len(sequences) < minimum:
        raise ConfigError(f"needs at least {minimum} sequences, got {len(sequences)}")
    return sequences


def _pairwise_mean(features: np.ndarray) -> float:
    diffs = features[:, None, :] - features[None, :, :]
    distances = np.sqrt((diffs**2).sum(axis=-1))
    n = len(features)
    return float(distances.sum() / (n * (n - 1)))


def locality_metrics(context: EvaluationContext, seed: int = 0) -> Metrics:
    """Feature distance of (sequence, single-point mutant) image pairs over that of unrelated pairs.

    Near 0: similar DNA gives similar landscapes; near 1: no relation. ``locality_n`` pairs used.
    """
    sequences = probe_sequences(context, minimum=2)
    originals = context.features(generate_checked(context, sequences))
    mutants = context.features(generate_checked(context, point_mutants(sequences, seed)))
    mutant_distance = float(np.linalg.norm(originals - mutants, axis=1).mean())
    unrelated = _pairwise_mean(originals)
    metrics: Metrics = {"locality_n": len(sequences)}
    if unrelated > 0:
        metrics["locality"] = mutant_distance / unrelated
    else:
        metrics["locality"] = 1.0
        metrics["locality_warning"] = "all generated images are identical; locality undefined"
    return metrics


def determinism_metrics(context: EvaluationContext) -> Metrics:
    """Whether generating the same sequences twice gives bit-identical images."""
    sequences = probe_sequences(context)
    first = generate_checked(context, sequences)
    second = generate_checked(context, sequences)
    return {"determinism": bool(np.array_equal(first, second)), "determinism_n": len(sequences)}


def metric_evaluator(
    name: str,
    description: str,
    needs: Iterable[str],
    function: Callable[[EvaluationContext], Metrics],
) -> type[Evaluator]:
    """An :class:`Evaluator` subclass named ``name`` whose ``evaluate`` is ``function(context)``."""

    def evaluate(self: Evaluator, context: Any) -> Mapping[str, float | int | bool | str]:
        return function(context)

    evaluate.__doc__ = function.__doc__
    attributes = {
        "name": name,
        "description": description,
        "needs": frozenset(needs),
        "evaluate": evaluate,
        "__doc__": description,
        "__module__": getattr(function, "__module__", __name__),
    }
    return type(f"{name.title()}Evaluator", (Evaluator,), attributes)
