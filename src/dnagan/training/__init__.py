"""Training of the two-stage GAN: presets, the loop, checkpoints, run folders, augmentation."""

from dnagan.training.config import StageConfig, TrainConfig
from dnagan.training.loop import train
from dnagan.training.presets import get_preset, preset_names

__all__ = ["StageConfig", "TrainConfig", "get_preset", "preset_names", "train"]
