"""Resolution-independent noise for the procedural landscapes: 1-D ridge profiles, 2-D value noise.

Random lattice values are drawn from a generator *before* the output size is known, and sampled at
continuous coordinates in [0, 1], so a scene rendered at 64x64 and at 224x224 has the same shapes.
"""

from __future__ import annotations

import numpy as np


def _smooth(t: np.ndarray) -> np.ndarray:
    """Smoothstep easing for interpolation weights."""
    return t * t * (3.0 - 2.0 * t)


def _lerp_lattice(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Interpolate 1-D lattice ``values`` (spanning [0, 1]) at ``positions`` with smoothstep."""
    scaled = np.clip(positions, 0.0, 1.0) * (len(values) - 1)
    low = np.minimum(scaled.astype(np.int64), len(values) - 2)
    weight = _smooth(scaled - low)
    return values[low] * (1.0 - weight) + values[low + 1] * weight


def fbm_1d(
    rng: np.random.Generator,
    x: np.ndarray,
    base_points: int = 4,
    octaves: int = 6,
    roughness: float = 0.5,
) -> np.ndarray:
    """Fractal (fBm) 1-D noise at positions ``x`` in [0, 1]; result roughly in [-1, 1].

    Each octave doubles the lattice density and multiplies the amplitude by ``roughness``, like
    midpoint displacement.
    """
    total = np.zeros_like(x, dtype=np.float32)
    amplitude, norm = 1.0, 0.0
    points = base_points
    for _ in range(octaves):
        values = rng.uniform(-1.0, 1.0, points + 1).astype(np.float32)
        total += amplitude * _lerp_lattice(values, x)
        norm += amplitude
        amplitude *= roughness
        points *= 2
    return total / norm


def ridge_profile(
    rng: np.random.Generator,
    x: np.ndarray,
    base_points: int,
    roughness: float,
    sharpness: float,
) -> np.ndarray:
    """A mountain skyline height in [0, 1] at ``x``: fBm blended with ridged noise (sharp peaks)."""
    smooth = fbm_1d(rng, x, base_points=base_points, octaves=7, roughness=roughness)
    ridged = 1.0 - np.abs(fbm_1d(rng, x, base_points=base_points, octaves=6, roughness=roughness))
    height = (1.0 - sharpness) * (smooth * 0.5 + 0.5) + sharpness * ridged
    low, high = float(height.min()), float(height.max())
    return (height - low) / max(high - low, 1e-6)


def _interpolation_matrix(positions: np.ndarray, cells: int) -> np.ndarray:
    """(len(positions), cells + 1) smoothstep interpolation weights onto a lattice over [0, 1]."""
    scaled = np.clip(positions.ravel(), 0.0, 1.0) * cells
    low = np.minimum(scaled.astype(np.int64), cells - 1)
    weight = _smooth(scaled - low).astype(np.float32)
    matrix = np.zeros((len(scaled), cells + 1), dtype=np.float32)
    rows = np.arange(len(scaled))
    matrix[rows, low] = 1.0 - weight
    matrix[rows, low + 1] = weight
    return matrix


def value_noise_2d(
    rng: np.random.Generator,
    y: np.ndarray,
    x: np.ndarray,
    cells_y: int,
    cells_x: int,
) -> np.ndarray:
    """Smooth 2-D value noise in [0, 1] on the grid ``y`` (column vector) x ``x`` (row vector).

    Bilinear interpolation is separable, so it is two small matrix products.
    """
    lattice = rng.uniform(0.0, 1.0, (cells_y + 1, cells_x + 1)).astype(np.float32)
    return _interpolation_matrix(y, cells_y) @ lattice @ _interpolation_matrix(x, cells_x).T


def fbm_2d(
    rng: np.random.Generator,
    y: np.ndarray,
    x: np.ndarray,
    cells: tuple[int, int],
    octaves: int = 4,
    roughness: float = 0.5,
) -> np.ndarray:
    """Fractal 2-D value noise in [0, 1] on the grid ``y`` (column) x ``x`` (row)."""
    total = np.zeros((y.shape[0], x.shape[1]), dtype=np.float32)
    amplitude, norm = 1.0, 0.0
    cells_y, cells_x = cells
    for _ in range(octaves):
        total += amplitude * value_noise_2d(rng, y, x, cells_y, cells_x)
        norm += amplitude
        amplitude *= roughness
        cells_y, cells_x = cells_y * 2, cells_x * 2
    return total / norm


def tree_line(
    rng: np.random.Generator,
    x: np.ndarray,
    density: float,
    height: float,
    conifer: bool,
) -> np.ndarray:
    """Height (>= 0) of a row of tree silhouettes at ``x``: pointed conifers or rounded crowns.

    ``density`` is trees per unit width, ``height`` the typical tree height in image units.
    """
    count = max(1, int(density))
    centres = np.sort(rng.uniform(-0.02, 1.02, count)).astype(np.float32)
    heights = (height * rng.uniform(0.5, 1.3, count)).astype(np.float32)
    widths = heights * (rng.uniform(0.25, 0.4, count) if conifer else rng.uniform(0.5, 0.9, count))
    distance = np.abs(x[None, :] - centres[:, None]) / widths[:, None].astype(np.float32)
    if conifer:
        shape = 1.0 - distance
    else:
        shape = np.sqrt(np.clip(1.0 - distance * distance, 0.0, None))
    return np.max(np.clip(shape, 0.0, None) * heights[:, None], axis=0)
