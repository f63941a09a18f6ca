"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one.

Everything is written to a temporary file in the destination folder, flushed, fsynced and moved
into place with :func:`os.replace`. :func:`file_lock` lets processes take turns at a cache entry.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dnagan.errors import OutputError

logger = logging.getLogger("dnagan")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()  # what open() would create; mkstemp uses 0600


def _describe(error: OSError, path: Path) -> OutputError:
    if error.errno == errno.ENOSPC:
        return OutputError(f"{path}: no space left on device")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"{path}: not writable")
    return OutputError(f"{path}: cannot write ({error.strerror or error})")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically.

    On any error the temporary file is removed and ``path`` is left as it was. OS errors become
    :class:`OutputError` naming ``path``.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.fchmod(fd, _FILE_MODE)
        os.close(fd)
    except OSError as error:
        raise _describe(error, target) from error
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise _describe(error, target) from error
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically write ``data`` to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Atomically write UTF-8 ``text`` to ``path``."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    """Atomically write ``value`` as indented JSON."""
    write_text(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def write_npy(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Atomically write a numpy array in ``.npy`` format (no pickles)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append one line (for JSONL logs) and flush it to disk."""
    target = Path(path)
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line.rstrip("\n") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise _describe(error, target) from error



def _locked_descriptor(target: Path) -> int | None:
    """``target`` opened (created if missing) and exclusively locked, waiting for its holder;
    ``None`` where ``fcntl`` is missing or the file cannot be created or locked."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_RDWR | os.O_CREAT, _FILE_MODE)
    except OSError as error:
        logger.debug("no lock file %s (%s); going on without", target, error)
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError as error:  # e.g. a filesystem without locks (ENOLCK)
        os.close(descriptor)
        logger.debug("cannot lock %s (%s); going on without", target, error)
        return None
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str]) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` inside, after waiting for whoever holds it.

    Advisory, between processes (and threads: each call opens the file anew). Yields whether the
    lock is held: ``False`` (nothing locked or waited for) where ``fcntl`` is missing or the file
    cannot be created or locked, e.g. in a read-only folder. The file stays (removing it would let
    two processes lock two different files).
    """
    descriptor = _locked_descriptor(Path(path))
    try:
        yield descriptor is not None
    finally:
        if descriptor is not None:
            os.close(descriptor)  # releases the lock
