"""The settings of the ``stackgan`` generator, validated.

Keys (anything else is a ConfigError):

- ``variant``: ``"paper"`` | ``"quick"`` | ``"smoke"`` (required).
- ``latent_dim``: positive int, default 128.
- ``stage1_size``: 64 (the only supported value); ``stage2_size``: 224 (the only supported value).
- ``width``: positive float, default 1.0, multiplies every channel count (``smoke`` is ``quick``
  at 1/16 of the width, times this).
- ``spectral_norm``: bool, spectral normalisation in the discriminators; default False for
  ``paper``, True otherwise.
- ``upsample``: ``"transposed"`` (default: transposed conv k4 s2) | ``"nearest"`` (nearest x2 +
  conv k3, no checkerboard pattern), the up-sampling of the ``quick``/``smoke`` generators; not
  accepted with ``paper``, whose layers are fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from dnagan.errors import ConfigError

Variant = Literal["paper", "quick", "smoke"]
VARIANTS: tuple[Variant, ...] = ("paper", "quick", "smoke")
Upsample = Literal["transposed", "nearest"]
UPSAMPLES: tuple[Upsample, ...] = ("transposed", "nearest")
STAGE1_SIZES = (64,)
STAGE2_SIZES = (224,)
SMOKE_WIDTH = 1 / 16
KEYS = ("variant", "latent_dim", "stage1_size", "stage2_size", "width", "spectral_norm", "upsample")


@dataclass(frozen=True)
class StackGANSettings:
    """Validated settings; ``channel_width`` is the effective channel multiplier."""

    variant: Variant
    latent_dim: int = 128
    stage1_size: int = 64
    stage2_size: int = 224
    width: float = 1.0
    spectral_norm: bool = False
    upsample: Upsample = "transposed"

    @property
    def channel_width(self) -> float:
        """``width`` times the variant's base width (1/16 for ``smoke``)."""
        return self.width * (SMOKE_WIDTH if self.variant == "smoke" else 1.0)


def _int(settings: Mapping[str, Any], key: str, default: int, allowed: tuple[int, ...] = ()) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"stackgan setting {key!r}: expected a positive integer, got {value!r}")
    if allowed and value not in allowed:
        valid = ", ".join(str(a) for a in allowed)
        raise ConfigError(f"stackgan setting {key!r}: {value} is not supported (valid: {valid})")
    return value


def parse_settings(settings: Mapping[str, Any]) -> StackGANSettings:
    """Validate a preset's generator settings; unknown keys or bad values raise ConfigError."""
    unknown = sorted(set(settings) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"stackgan: unknown setting {unknown[0]!r} (valid settings: {', '.join(KEYS)})"
        )
    variant = settings.get("variant")
    if variant not in VARIANTS:
        raise ConfigError(
            f"stackgan setting 'variant': {variant!r} is not one of: {', '.join(VARIANTS)}"
        )
    width = settings.get("width", 1.0)
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 64:
        raise ConfigError(f"stackgan setting 'width': expected a number in (0, 64], got {width!r}")
    spectral = settings.get("spectral_norm", variant != "paper")
    if not isinstance(spectral, bool):
        raise ConfigError(
            f"stackgan setting 'spectral_norm': expected true or false, got {spectral!r}"
        )
    upsample = settings.get("upsample", "transposed")
    if upsample not in UPSAMPLES:
        raise ConfigError(
            f"stackgan setting 'upsample': {upsample!r} is not one of: {', '.join(UPSAMPLES)}"
        )
    if variant == "paper" and "upsample" in settings:
        raise ConfigError("stackgan setting 'upsample': not supported by the 'paper' variant")
    return StackGANSettings(
        variant=cast(Variant, variant),
        latent_dim=_int(settings, "latent_dim", 128),
        stage1_size=_int(settings, "stage1_size", 64, STAGE1_SIZES),
        stage2_size=_int(settings, "stage2_size", 224, STAGE2_SIZES),
        width=float(width),
        spectral_norm=spectral,
        upsample=cast(Upsample, upsample),
    )
