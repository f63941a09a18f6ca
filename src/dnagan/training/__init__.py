"""Training of the two-stage GAN: presets, the loop, checkpoints, run folders, augmentation.

``train`` is imported on first use so that reading configs and presets (every CLI start) does not
import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dnagan.training.config import StageConfig, TrainConfig
from dnagan.training.presets import get_preset, preset_names

if TYPE_CHECKING:
    from dnagan.training.loop import train

__all__ = ["StageConfig", "TrainConfig", "get_preset", "preset_names", "train"]


def __getattr__(name: str) -> Any:
    if name == "train":
        from dnagan.training.loop import train

        return train
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
