"""On-disk cache of decoded, resized image sets as ``.npy`` files (no pickles).

The cache lives in ``$DNAGAN_CACHE_DIR/images`` when that variable is set, else in
``~/.cache/dnagan/images``. Files are named by a key that hashes everything that defines the
decoded array (file names, file contents, target size, fit), written atomically, and validated
when read: a file with the wrong shape or dtype, or one that cannot be read, is ignored and rebuilt.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from dnagan.atomic import write_npy
from dnagan.errors import OutputError

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """dnagan's cache folder: ``$DNAGAN_CACHE_DIR`` or ``~/.cache/dnagan``."""
    base = os.environ.get("DNAGAN_CACHE_DIR")
    return Path(base).expanduser() if base else Path.home() / ".cache" / "dnagan"


def cache_root() -> Path:
    """Image cache folder: ``$DNAGAN_CACHE_DIR/images`` or ``~/.cache/dnagan/images``."""
    return default_cache_dir() / "images"


def cache_file(key: str, cache_dir: Path | None = None) -> Path:
    """The ``.npy`` path for ``key`` under ``cache_dir`` (default :func:`cache_root`)."""
    return (cache_dir if cache_dir is not None else cache_root()) / f"{key}.npy"


def load_cached(path: Path, size: int, max_count: int) -> np.ndarray | None:
    """The cached uint8 array (n, size, size, 3) at ``path`` with 1 <= n <= ``max_count``, or None.

    Anything else (missing, unreadable, truncated, wrong shape or dtype) returns None.
    """
    if not path.is_file():
        return None
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        log.warning("ignoring unreadable image cache %s (%s)", path, error)
        return None
    valid = (
        isinstance(array, np.ndarray)
        and array.dtype == np.uint8
        and array.ndim == 4
        and array.shape[1:] == (size, size, 3)
        and 1 <= array.shape[0] <= max_count
    )
    if not valid:
        log.warning("ignoring invalid image cache %s", path)
        return None
    return array


def store(path: Path, images: np.ndarray) -> None:
    """Write ``images`` to ``path`` atomically; a failure is only logged (the cache is optional)."""
    try:
        write_npy(path, images)
    except OutputError as error:
        log.warning("could not write the image cache: %s", error)
