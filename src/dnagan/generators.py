"""The generator interface: network architectures for the two-stage GAN.

A generator architecture is a subclass of :class:`GeneratorArchitecture` registered through the
``register_generators`` hook. The trainer obtains every network through it, so a third-party
architecture can replace the built-in ``stackgan``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # torch is imported by the networks, not by plugin discovery
    from torch import nn


@dataclass
class StageNetworks:
    """A generator and its discriminator for one stage.

    Stage 1: ``generator(z)`` maps latents ``(n, latent_dim)`` to images ``(n, 3, s1, s1)``
    in [-1, 1]. Stage 2: ``generator(image1, z)`` maps a stage-1 image and the same latents to
    ``(n, 3, s2, s2)``.
    ``discriminator(image)`` returns one logit per image, shape ``(n,)`` or ``(n, 1)``.
    """

    generator: nn.Module
    discriminator: nn.Module


class GeneratorArchitecture(abc.ABC):
    """Builds the networks of both stages from a preset's settings (a plain mapping)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def build_stage1(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Networks of stage 1 (latent -> low-resolution image)."""

    @abc.abstractmethod
    def build_stage2(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Networks of stage 2 (stage-1 image [+ latent] -> high-resolution image)."""
