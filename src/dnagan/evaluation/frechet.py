"""The Frechet distance between two Gaussians fitted to feature sets, with guards.

Same quantity as pytorch-fid's ``calculate_frechet_distance``:
``||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr(sqrt(S1 S2))``. The trace of the matrix square root is
the sum of the square roots of the eigenvalues of ``S1 S2``, which equal those of the symmetric
positive semi-definite ``R S2 R`` (``R = sqrt(S1)``) or, when ``S1`` comes from ``n < dims`` samples
``X``, of the small ``n x n`` matrix ``Xc S2 Xc^T / (n - 1)``. Symmetric eigenvalue routines return
real numbers; round-off negatives are clipped to 0, so the result is real and finite by
construction, never complex or NaN. Fewer samples than feature dimensions (a rank-deficient
covariance) and collapsed sets are reported as warnings next to the number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from dnagan.errors import ConfigError

logger = logging.getLogger("dnagan")

#: A set whose covariance trace is below this is treated as collapsed.
COLLAPSE_TRACE = 1e-10


@dataclass(frozen=True)
class Statistics:
    """Mean and covariance of a feature set; ``centered`` keeps ``features - mu`` when known."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int
    centered: np.ndarray | None = None

    @property
    def rank_deficient(self) -> bool:
        """Whether the covariance cannot have full rank (``n - 1 < dims``)."""
        return self.n - 1 < self.mu.shape[0]

    @property
    def collapsed(self) -> bool:
        """Whether all samples are (numerically) the same point."""
        return float(np.trace(self.sigma)) < COLLAPSE_TRACE


@dataclass(frozen=True)
class FrechetResult:
    """A Frechet distance and, when its inputs were questionable, a warning saying why."""

    value: float
    warning: str | None = None


def feature_statistics(features: np.ndarray, what: str = "features") -> Statistics:
    """Mean and covariance (``np.cov``, unbiased) of ``(n, dims)`` features; needs ``n >= 2``."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ConfigError(f"{what}: expected a (n, dims) array, got shape {features.shape}")
    if features.shape[0] < 2:
        raise ConfigError(f"{what}: FID needs at least 2 images, got {features.shape[0]}")
    if not np.isfinite(features).all():
        raise ConfigError(f"{what}: features contain NaN or infinity")
    mu = features.mean(axis=0)
    sigma = np.cov(features, rowvar=False)
    return Statistics(mu, np.atleast_2d(sigma), features.shape[0], features - mu)


def _trace_sqrt_product(a: Statistics, b: Statistics) -> float:
    """``tr(sqrt(Sa Sb))`` via symmetric eigenvalues (the low-rank form when it is smaller)."""
    if b.centered is not None and (a.centered is None or b.n < a.n):
        a, b = b, a
    if a.centered is not None and a.n - 1 < a.mu.shape[0]:
        small = a.centered @ b.sigma @ a.centered.T / (a.n - 1)
    else:
        values, vectors = np.linalg.eigh(a.sigma)
        root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
        small = root @ b.sigma @ root
    eigenvalues = np.linalg.eigvalsh((small + small.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def _warnings(a: Statistics, b: Statistics) -> str | None:
    notes = []
    for label, stats in (("first", a), ("second", b)):
        if stats.collapsed:
            notes.append(f"{label} set collapsed (all {stats.n} feature vectors identical)")
    small = [str(s.n) for s in (a, b) if s.n and s.rank_deficient and not s.collapsed]
    if small:
        notes.append(
            f"{' and '.join(small)} samples <= {a.mu.shape[0]} feature dimensions (rank-deficient "
            "covariance; FID is biased upward: compare only at equal sample counts)"
        )
    return "; ".join(notes) or None


def frechet_distance(a: Statistics, b: Statistics) -> FrechetResult:
    """The Frechet distance between two feature statistics, finite or a :class:`ConfigError`."""
    if a.mu.shape != b.mu.shape or a.sigma.shape != b.sigma.shape:
        raise ConfigError(
            f"feature statistics do not match: {a.mu.shape[0]} vs {b.mu.shape[0]} dimensions"
        )
    diff = a.mu - b.mu
    value = float(
        diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2 * _trace_sqrt_product(a, b)
    )
    if not np.isfinite(value):
        raise ConfigError(
            "Frechet distance is not finite: the feature statistics contain NaN or inf"
        )
    warning = _warnings(a, b)
    if warning:
        logger.warning("FID: %s", warning)
    return FrechetResult(max(value, 0.0), warning)
