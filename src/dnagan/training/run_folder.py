"""Run folders: never overwritten; numbered ``runs/NNNNN-<encoder>-<preset>`` by default."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dnagan.errors import OutputError

RUNS_DIR = Path("runs")
_NUMBERED = re.compile(r"^(\d{5})-")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def prepare_out(path: str | Path) -> Path:
    """Use ``path`` as a run folder: it must not exist, or be an empty folder."""
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise OutputError(f"{target}: exists and is not a folder")
        if any(target.iterdir()):
            raise OutputError(f"{target}: exists and is not empty (runs are never overwritten)")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{target}: cannot create folder ({error.strerror})") from None
    return target


def next_run_dir(encoder: str, preset: str, root: str | Path = RUNS_DIR) -> Path:
    """Create and return the next free ``root/NNNNN-<encoder>-<preset>`` folder."""
    base = Path(root)
    try:
        base.mkdir(parents=True, exist_ok=True)
        taken = [int(m.group(1)) for m in map(_NUMBERED.match, os.listdir(base)) if m]
    except OSError as error:
        raise OutputError(f"{base}: cannot use runs folder ({error.strerror})") from None
    number = max(taken, default=-1) + 1
    label = _UNSAFE.sub("_", f"{encoder}-{preset}")
    while True:
        candidate = base / f"{number:05d}-{label}"
        try:
            candidate.mkdir()
        except FileExistsError:
            number += 1
            continue
        except OSError as error:
            raise OutputError(f"{candidate}: cannot create folder ({error.strerror})") from None
        return candidate
