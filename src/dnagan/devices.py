"""Device names as users give them (``cpu``, ``cuda``, ``cuda:1``, ``auto``) -> torch devices."""

from __future__ import annotations

import os

import torch

from dnagan.errors import ConfigError


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; a CUDA device that is absent is a ConfigError."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        valid = "cpu, cuda, cuda:N or auto"
        raise ConfigError(f"--device: {name!r} is not a device ({valid})") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: no CUDA device is available")
    return device


#: Environment variable that fixes :func:`auto_threads` (set by bench workers for their share).
THREADS_ENV = "DNAGAN_THREADS"


def auto_threads() -> int:
    """CPU threads for training: ``$DNAGAN_THREADS`` when set, else all cores on an idle machine
    and one when the cores are busy.

    Measured here: with the two cores already loaded by other work, two threads made a training
    step ~3x slower than one (threads wait on each other at every operator).
    """
    fixed = os.environ.get(THREADS_ENV, "")
    if fixed.isdigit() and int(fixed) > 0:
        return int(fixed)
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0] >= cores * 0.75
    except OSError:
        busy = False
    return 1 if busy else cores
