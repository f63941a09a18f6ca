"""The built-in ``stackgan`` generator architecture (two stages, three variants).

``paper`` is the network of the original work (see :mod:`.paper`); ``quick`` (the default preset's)
and ``smoke`` (tiny, for tests) are the narrow modern networks of :mod:`.modern`. Settings are
documented in :mod:`.settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from dnagan import GeneratorArchitecture, StageNetworks, hookimpl
from dnagan_builtins.generators.stackgan.modern import (
    QuickStage1Generator,
    QuickStage2Generator,
    quick_stage1_discriminator,
    quick_stage2_discriminator,
)
from dnagan_builtins.generators.stackgan.paper import (
    PaperStage1Discriminator,
    PaperStage1Generator,
    PaperStage2Discriminator,
    PaperStage2Generator,
)
from dnagan_builtins.generators.stackgan.settings import parse_settings


class StackGAN(GeneratorArchitecture):
    """Two-stage StackGAN-style generator: 64x64 from a latent, then 224x224 from that image."""

    name: ClassVar[str] = "stackgan"
    description: ClassVar[str] = (
        "two-stage GAN 64x64 -> 224x224; variants paper (the original work), quick, smoke"
    )

    def build_stage1(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Stage-1 G (z -> 64x64) and D for ``settings``."""
        s = parse_settings(settings)
        w = s.channel_width
        if s.variant == "paper":
            return StageNetworks(
                PaperStage1Generator(s.latent_dim, w),
                PaperStage1Discriminator(w, s.spectral_norm, s.stage1_size),
            )
        return StageNetworks(
            QuickStage1Generator(s.latent_dim, w, s.upsample),
            quick_stage1_discriminator(w, s.spectral_norm, s.stage1_size),
        )

    def build_stage2(self, settings: Mapping[str, Any]) -> StageNetworks:
        """Stage-2 G ((64x64 image, z) -> 224x224) and D for ``settings``."""
        s = parse_settings(settings)
        w = s.channel_width
        if s.variant == "paper":
            return StageNetworks(
                PaperStage2Generator(w, s.stage1_size),
                PaperStage2Discriminator(w, s.spectral_norm, s.stage2_size),
            )
        return StageNetworks(
            QuickStage2Generator(s.latent_dim, w, s.stage1_size, s.stage2_size, s.upsample),
            quick_stage2_discriminator(w, s.spectral_norm, s.stage2_size),
        )


@hookimpl
def register_generators(register: Callable[[Any], None]) -> None:
    """Register the ``stackgan`` architecture."""
    register(StackGAN)
