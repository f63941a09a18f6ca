"""Real-image features and statistics, cached on disk under a key of everything that defines them.

The key is a SHA-256 of the images (their bytes and shape, or an image-set key that already hashes
content and size) and the feature extractor's cache id (which includes the weights' SHA-256).
Entries are ``.npz`` files (no pickles) written atomically to ``<cache>/fid-stats/<key>.npz``; one
that fails validation is recomputed with a warning, and one that cannot be written is only logged.
A process about to compute an entry holds ``<key>.lock`` (:func:`dnagan.atomic.file_lock`), so
another one that needs the same entry at the same time waits and reads it instead of computing it
again.
"""

from __future__ import annotations

import hashlib
import io
import logging
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dnagan.atomic import file_lock, write_bytes
from dnagan.errors import OutputError
from dnagan.evaluation.frechet import Statistics, feature_statistics
from dnagan.evaluation.inception import FeatureExtractor, check_images
from dnagan.evaluation.sharded import LOCAL, Group
from dnagan.image_cache import default_cache_dir

logger = logging.getLogger("dnagan")

STATS_FOLDER = "fid-stats"
_KEY_VERSION = b"dnagan-fid-stats-v1"


def statistics_key(images: np.ndarray, extractor_id: str, content_key: str | None = None) -> str:
    """Cache key of the statistics of ``images`` under ``extractor_id`` (weights included).

    ``content_key`` (e.g. :attr:`dnagan.images.ImageSet.key`) replaces hashing the pixel bytes.
    """
    digest = hashlib.sha256(_KEY_VERSION)
    for part in (extractor_id, str(images.shape), str(images.dtype)):
        digest.update(b"\0" + part.encode())
    if content_key is not None:
        digest.update(b"\0key:" + content_key.encode())
    else:
        digest.update(b"\0bytes:")
        digest.update(np.ascontiguousarray(images).data)
    return digest.hexdigest()


def stats_path(key: str, cache_dir: Path | None = None) -> Path:
    """Where the statistics with ``key`` are cached."""
    return (cache_dir or default_cache_dir()) / STATS_FOLDER / f"{key}.npz"


@dataclass(frozen=True)
class RealSet:
    """Cached Inception features of a real image set and their statistics."""

    features: np.ndarray
    stats: Statistics


def load_real_set(path: Path, key: str, dims: int) -> RealSet | None:
    """The cache entry at ``path`` if present and valid, else ``None`` (warning when invalid)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            mu, sigma, features = data["mu"], data["sigma"], data["features"]
            stored_key, n = str(data["key"]), int(data["n"])
    except (OSError, ValueError, KeyError) as error:
        logger.warning("cached FID statistics %s unreadable (%s); recomputing", path, error)
        return None
    problems = []
    if stored_key != key:
        problems.append("key mismatch")
    if mu.shape != (dims,) or sigma.shape != (dims, dims) or features.shape != (n, dims):
        problems.append(f"shapes {mu.shape}, {sigma.shape}, {features.shape}")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all() and np.isfinite(features).all()):
        problems.append("non-finite values")
    if problems:
        logger.warning(
            "cached FID statistics %s invalid (%s); recomputing", path, ", ".join(problems)
        )
        return None
    stats = Statistics(mu.astype(np.float64), sigma.astype(np.float64), n)
    return RealSet(features.astype(np.float64), stats)


def save_real_set(path: Path, real: RealSet, key: str) -> None:
    """Write features, ``mu``, ``sigma``, sample count and key atomically as one ``.npz``."""
    buffer = io.BytesIO()
    stats = real.stats
    np.savez(
        buffer,
        mu=stats.mu,
        sigma=stats.sigma,
        features=real.features,
        n=np.int64(stats.n),
        key=np.str_(key),
    )
    write_bytes(path, buffer.getvalue())


def real_features(
    images: np.ndarray,
    extractor: FeatureExtractor,
    cache_dir: Path | None = None,
    content_key: str | None = None,
    group: Group = LOCAL,
) -> RealSet:
    """Features and statistics of real uint8 NHWC ``images``: from the cache, else computed.

    In a :class:`~dnagan.evaluation.sharded.Group` of processes (``extractor`` then splits its
    work over them) the main process alone locks, reads and writes the cache; whether it hit,
    and the entry it read, are shared, so every process takes the same branch.
    """
    check_images(images, "real images")
    key = statistics_key(images, extractor.cache_id, content_key)
    path = stats_path(key, cache_dir)
    with ExitStack() as stack:
        cached = None
        if group.main:
            stack.enter_context(file_lock(path.with_suffix(".lock")))
            cached = load_real_set(path, key, extractor.dims)
        cached = group.share(cached)
        if cached is not None:
            return cached
        features = extractor.features(images)
        computed = feature_statistics(features, "real images")
        real = RealSet(features, Statistics(computed.mu, computed.sigma, computed.n))
        if group.main:
            try:
                save_real_set(path, real, key)
            except OutputError as error:  # the cache is optional: evaluate anyway
                logger.warning("could not write the FID statistics cache: %s", error)
    return real
