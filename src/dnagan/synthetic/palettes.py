"""Colour palettes for the procedural landscapes: time of day (sky, light) and biome (ground).

Colours are float32 RGB triples in [0, 1]. :func:`pick_palette` jitters a base palette so no two
scenes share exactly the same colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIMES = ("day", "dusk", "night", "dawn")
BIOMES = ("alpine", "forest", "desert", "hills")


def _rgb(r: float, g: float, b: float) -> np.ndarray:
    return np.array([r, g, b], dtype=np.float32)


@dataclass(frozen=True)
class Sky:
    """Sky colours and light for one time of day."""

    top: np.ndarray
    horizon: np.ndarray
    glow: np.ndarray  # colour of the halo around the sun or moon
    disc: np.ndarray  # sun or moon colour
    light: np.ndarray  # multiplies ground colours (dim and tinted at night / dusk)
    cloud: np.ndarray
    night: bool


@dataclass(frozen=True)
class Ground:
    """Ground colours for one biome: distant rock, near ground, vegetation, snow."""

    rock: np.ndarray
    ground: np.ndarray
    vegetation: np.ndarray
    snow: np.ndarray
    water: np.ndarray


# Colour tables: one row per time of day / biome, columns in the field order of Sky / Ground.
_SKY_TABLE = {  # top, horizon, glow, disc, light, cloud
    "day": ((0.20, 0.42, 0.80), (0.72, 0.84, 0.95), (1.00, 0.97, 0.85),
            (1.00, 1.00, 0.93), (1.00, 1.00, 0.97), (0.97, 0.97, 0.98)),
    "dusk": ((0.18, 0.16, 0.42), (1.00, 0.55, 0.25), (1.00, 0.62, 0.30),
             (1.00, 0.85, 0.55), (0.62, 0.45, 0.50), (0.95, 0.50, 0.45)),
    "dawn": ((0.35, 0.45, 0.72), (1.00, 0.78, 0.62), (1.00, 0.85, 0.65),
             (1.00, 0.93, 0.75), (0.85, 0.75, 0.75), (1.00, 0.80, 0.75)),
    "night": ((0.01, 0.02, 0.07), (0.07, 0.11, 0.24), (0.45, 0.52, 0.70),
              (0.94, 0.94, 0.86), (0.22, 0.26, 0.40), (0.20, 0.23, 0.32)),
}  # fmt: skip
_GROUND_TABLE = {  # rock, ground, vegetation, snow, water
    "alpine": ((0.42, 0.42, 0.46), (0.30, 0.42, 0.20), (0.10, 0.22, 0.12),
               (0.95, 0.96, 1.00), (0.10, 0.25, 0.35)),
    "forest": ((0.30, 0.38, 0.30), (0.22, 0.40, 0.15), (0.07, 0.20, 0.08),
               (0.92, 0.94, 0.97), (0.08, 0.22, 0.25)),
    "desert": ((0.70, 0.40, 0.25), (0.88, 0.70, 0.45), (0.35, 0.38, 0.18),
               (0.95, 0.90, 0.85), (0.15, 0.35, 0.40)),
    "hills": ((0.40, 0.45, 0.35), (0.45, 0.58, 0.22), (0.15, 0.30, 0.10),
              (0.93, 0.95, 0.98), (0.12, 0.28, 0.38)),
}  # fmt: skip


def _sky(name: str, colours: tuple[tuple[float, float, float], ...]) -> Sky:
    top, horizon, glow, disc, light, cloud = (_rgb(*colour) for colour in colours)
    return Sky(top, horizon, glow, disc, light, cloud, night=name == "night")


SKIES: dict[str, Sky] = {name: _sky(name, colours) for name, colours in _SKY_TABLE.items()}
GROUNDS: dict[str, Ground] = {
    name: Ground(*(_rgb(*colour) for colour in colours)) for name, colours in _GROUND_TABLE.items()
}


@dataclass(frozen=True)
class Palette:
    """The sky and ground colours of one scene."""

    sky: Sky
    ground: Ground


def _jitter(rng: np.random.Generator, colour: np.ndarray, amount: float) -> np.ndarray:
    shifted = colour * rng.uniform(1.0 - amount, 1.0 + amount, 3).astype(np.float32)
    return np.clip(shifted, 0.0, 1.0).astype(np.float32)


def pick_palette(rng: np.random.Generator, time: str, biome: str, jitter: float = 0.12) -> Palette:
    """The palette for ``time`` and ``biome`` with every colour jittered by up to ``jitter``."""
    sky, ground = SKIES[time], GROUNDS[biome]
    sky = Sky(
        **{
            name: _jitter(rng, getattr(sky, name), jitter)
            for name in ("top", "horizon", "glow", "disc", "light", "cloud")
        },
        night=sky.night,
    )
    ground = Ground(
        **{
            name: _jitter(rng, getattr(ground, name), jitter)
            for name in ("rock", "ground", "vegetation", "snow", "water")
        }
    )
    return Palette(sky, ground)
