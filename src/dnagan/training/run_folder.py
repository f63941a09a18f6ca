"""Run folders: never overwritten; numbered ``runs/NNNNN-<encoder>-<preset>`` by default."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from dnagan.errors import InputError, OutputError
from dnagan.training.config import TrainConfig, merge

RUNS_DIR = Path("runs")
CONFIG_FILE = "config.json"
_NUMBERED = re.compile(r"^(\d{5})-")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_out(path: str | Path) -> bool:
    """Check that ``path`` can become a run folder (absent, or an empty folder); create nothing.

    Returns whether the folder exists already. OutputError when it is a file or not empty.
    """
    target = Path(path)
    if not target.exists():
        return False
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a folder")
    if any(target.iterdir()):
        raise OutputError(f"{target}: exists and is not empty (runs are never overwritten)")
    return True


def prepare_out(path: str | Path) -> Path:
    """Use ``path`` as a run folder: it must not exist, or be an empty folder."""
    target = Path(path)
    check_out(target)
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


def remove_partial(folder: Path, created: bool) -> None:
    """Undo a setup that failed: remove ``folder`` when this call created it, else empty it.

    Only for folders that were absent or empty when the call began, so everything inside is the
    call's own output. Errors while removing are ignored (the original failure is what matters).
    """
    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def unstarted_config(run_dir: str | Path) -> TrainConfig:
    """The config of a run stopped before its first checkpoint (from its ``config.json``).

    InputError when the folder holds no readable ``config.json``; ConfigError (naming the file)
    when its values are invalid.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise InputError(
            f"{run_dir}: no checkpoint to resume (checkpoints/latest.pt missing) and no "
            f"{CONFIG_FILE} to start it afresh"
        )
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable run config ({type(error).__name__})") from None
    if not isinstance(values, dict):
        raise InputError(f"{path}: not a run config (expected a JSON object)")
    return merge(TrainConfig(), values, where=str(path))
