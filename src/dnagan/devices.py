"""Device names as users give them (``cpu``, ``cuda``, ``cuda:1``, ``auto``) -> torch devices."""

from __future__ import annotations

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
