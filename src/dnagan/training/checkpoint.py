"""Checkpoints: everything needed for an exact resume, written atomically, read safely.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts only, so it loads with
``torch.load(weights_only=True)``. numpy arrays (bridge and encoder state, numpy's RNG state) are
stored as tensors and turned back into arrays on load.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dnagan.atomic import atomic_path
from dnagan.errors import InputError

LATEST = "latest.pt"
FINAL = "final.pt"
_ARRAY = "__ndarray__"
# entries every checkpoint holds (what generation and resuming read)
REQUIRED = ("config", "stage", "done", "stages", "sampler", "rng", "bridge", "encoder",
            "train_seconds", "images_seen")


def to_storable(value: Any) -> Any:
    """Recursively turn numpy arrays/scalars into tensors (tagged) and tuples into lists."""
    if isinstance(value, np.ndarray):
        return {_ARRAY: torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): to_storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_storable(v) for v in value]
    return value


def from_storable(value: Any) -> Any:
    """Undo :func:`to_storable`: tagged tensors become numpy arrays again."""
    if isinstance(value, Mapping):
        if set(value) == {_ARRAY}:
            return value[_ARRAY].numpy()
        return {k: from_storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_storable(v) for v in value]
    return value


def rng_state(generators: Mapping[str, torch.Generator]) -> dict[str, Any]:
    """States of torch's, numpy's and Python's global RNGs plus the named torch generators."""
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    version, internal, gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(np.asarray(keys).astype(np.int64)),
            "pos": pos,
            "has_gauss": has_gauss,
            "cached": cached,
        },
        "python": {"version": version, "internal": list(internal), "gauss": gauss},
        "generators": {name: g.get_state() for name, g in generators.items()},
    }


def restore_rng_state(state: Mapping[str, Any], generators: Mapping[str, torch.Generator]) -> None:
    """Restore what :func:`rng_state` captured."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    keys = n["keys"].numpy().astype(np.uint32)
    np.random.set_state((n["kind"], keys, n["pos"], n["has_gauss"], n["cached"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss"]))
    for name, generator in generators.items():
        generator.set_state(state["generators"][name])


def save_checkpoint(path: str | Path, state: Mapping[str, Any]) -> None:
    """Write ``state`` atomically (temp file + rename)."""
    with atomic_path(path) as tmp:
        torch.save(dict(state), tmp)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``; problems become InputError naming the file."""
    target = Path(path)
    if not target.is_file():
        raise InputError(f"{target}: no checkpoint there")
    try:
        state = torch.load(target, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - torch's text may advise weights_only=False: never show it
        raise InputError(f"{target}: not a dnagan checkpoint (refused to load)") from None
    if not isinstance(state, dict):
        raise InputError(f"{target}: not a dnagan checkpoint")
    missing = [key for key in REQUIRED if key not in state]
    if missing:
        raise InputError(f"{target}: not a dnagan checkpoint (missing {', '.join(missing)})")
    if not isinstance(state["config"], dict) or not isinstance(state["stages"], dict):
        raise InputError(f"{target}: not a dnagan checkpoint (malformed config or stages)")
    return state


def find_checkpoint(run_dir: str | Path, prefer_final: bool = True) -> Path:
    """The final checkpoint of a run (or its latest); InputError when there is none."""
    folder = Path(run_dir) / "checkpoints"
    names = (FINAL, LATEST) if prefer_final else (LATEST, FINAL)
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise InputError(f"{run_dir}: no checkpoint found (expected {folder / LATEST})")
