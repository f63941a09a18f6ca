"""A tiny generator architecture (``tiny``) for tests and quick checks of the trainer.

Works at any stage sizes that are multiples of 4 (e.g. 16 and 32), trains in milliseconds, and has
no batch-dependent layer. Register it with::

    from dnagan.testing import registered_plugin
    from dnagan.training.tiny import TinyPlugin

    with registered_plugin(TinyPlugin(), "tiny"):
        ...  # config.generator = "tiny"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dnagan.generators import GeneratorArchitecture, StageNetworks
from dnagan.hookspecs import hookimpl

if TYPE_CHECKING:
    from dnagan.training.config import TrainConfig


class _Stage1(nn.Module):
    def __init__(self, latent_dim: int, size: int, width: int) -> None:
        super().__init__()
        self.base = size // 4
        self.width = width
        self.linear = nn.Linear(latent_dim, width * self.base * self.base)
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=4), nn.Conv2d(width, width, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 3, 3, padding=1), nn.Tanh(),
        )

    def forward(self, z: Tensor) -> Tensor:
        x = self.linear(z).view(-1, self.width, self.base, self.base)
        return self.body(x)


class _Stage2(nn.Module):
    def __init__(self, latent_dim: int, size: int, width: int) -> None:
        super().__init__()
        self.size = size
        self.project = nn.Linear(latent_dim, width)
        self.body = nn.Sequential(
            nn.Conv2d(3 + width, width, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 3, 3, padding=1),
        )

    def forward(self, image: Tensor, z: Tensor) -> Tensor:
        up = F.interpolate(image, size=(self.size, self.size), mode="nearest")
        code = self.project(z)[:, :, None, None].expand(-1, -1, self.size, self.size)
        return (up + self.body(torch.cat([up, code.to(up.dtype)], dim=1))).tanh()


class _Discriminator(nn.Module):
    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2), nn.Dropout(dropout),
            nn.Conv2d(width, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).squeeze(1)


class TinyArchitecture(GeneratorArchitecture):
    """Two tiny stages; settings: latent_dim, stage1_size, stage2_size, width (8), dropout (0.1)."""

    name = "tiny"
    description = "Tiny networks for tests of the trainer"

    def build_stage1(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Latent -> stage-1 image; a small conv discriminator (with dropout)."""
        width = int(settings.get("width", 8))
        return StageNetworks(
            _Stage1(int(settings["latent_dim"]), int(settings["stage1_size"]), width),
            _Discriminator(width, float(settings.get("dropout", 0.1))),
        )

    def build_stage2(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Stage-1 image + latent -> stage-2 image."""
        width = int(settings.get("width", 8))
        return StageNetworks(
            _Stage2(int(settings["latent_dim"]), int(settings["stage2_size"]), width),
            _Discriminator(width, float(settings.get("dropout", 0.1))),
        )


class TinyPlugin:
    """A plugin object registering :class:`TinyArchitecture`."""

    @hookimpl
    def register_generators(self, register: Callable[[Any], None]) -> None:
        """Register the tiny architecture."""
        register(TinyArchitecture)


TINY_OVERRIDES = (
    "generator=tiny",
    "threads=1",
    "stage1_size=16",
    "stage2_size=32",
    "image_count=24",
    "corpus_size=40",
    "evaluators=none",
    "stage1_evaluators=none",
    "latent_jitter=0.1",
    "stage1.steps=5",
    "stage2.steps=4",
    "stage1.log_every=1",
    "stage2.log_every=1",
    "stage1.checkpoint_every=100",
    "stage2.checkpoint_every=100",
    "stage1.batch_size=8",
    "stage2.batch_size=4",
    "ema_warmup=2",
)


def tiny_config(*overrides: str, preset: str = "smoke") -> TrainConfig:
    """``preset`` on the tiny networks at 16/32 pixels, few steps, no evaluation, then overrides."""
    from dnagan.training.config import apply_overrides
    from dnagan.training.presets import get_preset

    return apply_overrides(get_preset(preset), [*TINY_OVERRIDES, *overrides])
