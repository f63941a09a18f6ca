"""Procedural landscape images: the embedded default training set (synthetic, not photographs).

Each image is a random scene — a sky gradient for day, dawn, dusk or night, a sun or moon with a
glow, stars, optional clouds, three to five layered fractal mountain ridges that fade into the sky
colour with distance (aerial perspective), snow caps, forests of tree silhouettes, desert mesas
and dunes, and lakes that mirror the scene with ripples — painted back to front with numpy.

Image ``i`` of seed ``s`` depends only on ``(s, i)``: not on how many images are rendered, and its
shapes not on the output size (all randomness is drawn in continuous coordinates).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from dnagan.synthetic.palettes import BIOMES, TIMES, Palette, pick_palette
from dnagan.synthetic.terrain import fbm_1d, fbm_2d, ridge_profile, tree_line

_TIME_WEIGHTS = (0.42, 0.25, 0.18, 0.15)  # day, dusk, night, dawn
_BIOME_WEIGHTS = (0.35, 0.25, 0.2, 0.2)  # alpine, forest, desert, hills


@dataclass(frozen=True)
class Scene:
    """The random choices that define one landscape."""

    time: str
    biome: str
    palette: Palette
    horizon: float  # y of the water line / foreground edge, 0 = top, 1 = bottom
    layers: int
    lake: bool
    clouds: float  # cloud cover in [0, 1]; 0 = clear sky
    sun_x: float
    sun_y: float
    sun_radius: float


@dataclass(frozen=True)
class _Grid:
    """Pixel-centre coordinates in [0, 1]: ``y`` is a column vector, ``x`` a row vector."""

    y: np.ndarray
    x: np.ndarray
    size: int

    @classmethod
    def of(cls, size: int) -> _Grid:
        centres = (np.arange(size, dtype=np.float32) + 0.5) / size
        return cls(centres[:, None], centres[None, :], size)

    def band(self, start: int, stop: int) -> _Grid:
        """The rows ``start:stop`` of this grid (same columns, same pixel size)."""
        return _Grid(self.y[start:stop], self.x, self.size)

    def coverage(self, top: np.ndarray) -> np.ndarray:
        """Anti-aliased alpha (size, size) of the region below the curve ``top`` (per column)."""
        return np.clip((self.y - top[None, :]) * self.size + 0.5, 0.0, 1.0)


def _choice(rng: np.random.Generator, names: tuple[str, ...], weights: tuple[float, ...]) -> str:
    return names[int(rng.choice(len(names), p=np.asarray(weights) / sum(weights)))]


def sample_scene(rng: np.random.Generator) -> Scene:
    """Draw the high-level choices of one scene."""
    time = _choice(rng, TIMES, _TIME_WEIGHTS)
    biome = _choice(rng, BIOMES, _BIOME_WEIGHTS)
    horizon = float(rng.uniform(0.56, 0.74))
    lake = bool(rng.uniform() < (0.15 if biome == "desert" else 0.5))
    if time in ("dusk", "dawn"):
        sun_y = horizon - float(rng.uniform(0.08, 0.3))
    else:
        sun_y = float(rng.uniform(0.08, 0.3))
    return Scene(
        time=time,
        biome=biome,
        palette=pick_palette(rng, time, biome),
        horizon=horizon,
        layers=int(rng.integers(3, 6)),
        lake=lake,
        clouds=float(rng.uniform(0.0, 1.0)) if rng.uniform() < 0.55 else 0.0,
        sun_x=float(rng.uniform(0.12, 0.88)),
        sun_y=sun_y,
        sun_radius=float(rng.uniform(0.03, 0.06) if time != "night" else rng.uniform(0.025, 0.045)),
    )


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    return a + (b - a) * t


def _paint(canvas: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> None:
    """Composite ``colour`` (h, w, 3) or (3,) over ``canvas`` in place with ``alpha`` (h, w)."""
    canvas += (colour - canvas) * alpha[:, :, None]


def _sky(rng: np.random.Generator, scene: Scene, grid: _Grid) -> np.ndarray:
    sky = scene.palette.sky
    t = np.clip(grid.y / scene.horizon, 0.0, 1.0) ** float(rng.uniform(1.2, 2.2))
    canvas = np.broadcast_to(_mix(sky.top, sky.horizon, t[:, :, None]), (grid.size, grid.size, 3))
    canvas = np.array(canvas, dtype=np.float32)
    distance = np.sqrt((grid.x - scene.sun_x) ** 2 + (grid.y - scene.sun_y) ** 2)
    glow_strength = 0.35 if sky.night else float(rng.uniform(0.45, 0.8))
    glow = glow_strength * np.exp(-distance / (scene.sun_radius * float(rng.uniform(2.0, 4.0))))
    wide = 0.25 * np.exp(-distance / 0.35) * (0.3 if sky.night else 1.0)
    _paint(canvas, sky.glow, np.clip(glow + wide, 0.0, 1.0))
    if sky.night:
        _stars(rng, canvas, scene, grid)
    if scene.clouds > 0:
        _clouds(rng, canvas, scene, grid)
    disc = np.clip((scene.sun_radius - distance) * grid.size + 0.5, 0.0, 1.0)
    if sky.night:  # crescent or full moon: a shadow disc offset from the moon
        offset = float(rng.uniform(0.3, 1.6)) * scene.sun_radius
        side = np.sqrt((grid.x - scene.sun_x - offset) ** 2 + (grid.y - scene.sun_y) ** 2)
        disc = disc * (1.0 - 0.85 * np.clip((scene.sun_radius - side) * grid.size + 0.5, 0.0, 1.0))
    _paint(canvas, sky.disc, disc)
    return canvas


def _stars(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    count = int(rng.integers(60, 220))
    ys = rng.uniform(0.0, scene.horizon, count)
    xs = rng.uniform(0.0, 1.0, count)
    brightness = rng.uniform(0.3, 1.0, count).astype(np.float32) ** 2
    rows = np.minimum((ys * grid.size).astype(np.int64), grid.size - 1)
    cols = np.minimum((xs * grid.size).astype(np.int64), grid.size - 1)
    fade = np.clip(1.0 - ys / scene.horizon, 0.0, 1.0).astype(np.float32)
    canvas[rows, cols] = np.maximum(canvas[rows, cols], (brightness * fade)[:, None])


def _clouds(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    noise = fbm_2d(rng, grid.y, grid.x, cells=(6, 3), octaves=4, roughness=0.55)
    threshold = 0.62 - 0.22 * scene.clouds
    cover = np.clip((noise - threshold) / 0.16, 0.0, 1.0)
    cover *= np.clip(1.0 - grid.y / scene.horizon, 0.0, 1.0) ** 0.5
    shade = 0.78 + 0.22 * np.clip((noise - threshold) * 4.0, 0.0, 1.0)
    colour = scene.palette.sky.cloud[None, None, :] * shade[:, :, None]
    _paint(canvas, colour, cover * 0.9)


def _layer_geometry(
    rng: np.random.Generator, scene: Scene, index: int, grid: _Grid
) -> tuple[np.ndarray, np.ndarray, float]:
    """Ridge top (per column), normalised ridge height (per column) and amplitude of one layer."""
    depth = index / max(scene.layers - 1, 1)  # 0 = farthest, 1 = nearest
    x = grid.x[0]
    desert = scene.biome == "desert"
    hills = scene.biome in ("hills", "forest") and index > 0
    profile = ridge_profile(
        rng,
        x,
        base_points=int(rng.integers(2, 5)) + index,
        roughness=float(rng.uniform(0.36, 0.5)) if not hills else 0.38,
        sharpness=0.0 if desert or hills else float(rng.uniform(0.3, 0.8)),
    )
    if desert and rng.uniform() < 0.45:  # mesas and buttes: flat tops, steep sides, talus
        plateau = float(rng.uniform(0.5, 0.8))
        cliff = 1.0 / (1.0 + np.exp(-(profile - plateau) * float(rng.uniform(15.0, 40.0))))
        profile = 0.35 * profile + 0.65 * cliff
    amplitude = float(rng.uniform(0.16, 0.32)) * (1.0 - 0.6 * depth)
    if scene.biome == "alpine":
        amplitude *= 1.3
    base = scene.horizon - 0.01 + 0.03 * depth * (0.0 if scene.lake else 1.0)
    top = base - amplitude * (0.15 + 0.85 * profile)
    return top.astype(np.float32), profile.astype(np.float32), amplitude


def _mountains(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    palette = scene.palette
    sun_side = 1.0 if scene.sun_x > 0.5 else -1.0
    for index in range(scene.layers):
        depth = index / max(scene.layers - 1, 1)
        top, profile, amplitude = _layer_geometry(rng, scene, index, grid)
        forested = scene.biome in ("forest", "alpine", "hills") and depth > 0.3
        if forested and rng.uniform() < 0.8:
            trees = tree_line(
                rng,
                grid.x[0],
                density=float(rng.uniform(60, 140)) / (0.5 + depth),
                height=0.015 + 0.03 * depth,
                conifer=scene.biome != "hills",
            )
            top = top - trees
        # Work only on the rows the layer can cover (above the water line when there is a lake).
        start = max(0, int(np.floor(float(top.min()) * grid.size)) - 1)
        stop = (
            min(grid.size, int(np.ceil(scene.horizon * grid.size)) + 2) if scene.lake else grid.size
        )
        band = grid.band(start, stop)
        base_colour = palette.ground.vegetation if forested else palette.ground.rock
        base_colour = _mix(base_colour, palette.ground.rock, 0.4 * (1 - depth))
        shade = _facet_shade(profile, amplitude * sun_side)
        below = np.clip((band.y - top[None, :]) / max(amplitude, 1e-3), 0.0, 1.0)
        texture = fbm_2d(rng, band.y, band.x, cells=(12, 12), octaves=3)
        lit = 1.0 + (shade[None, :] - 1.0) * (1.0 - below) ** 2
        body = ((0.8 + 0.35 * texture) * lit)[:, :, None]
        colour = base_colour[None, None, :] * body
        if scene.biome == "desert":  # sedimentary bands
            bands = 0.9 + 0.1 * np.sin(band.y * float(rng.uniform(90, 160)) + texture * 3.0)
            colour = colour * bands[:, :, None]
        if scene.biome == "alpine" or (scene.biome != "desert" and rng.uniform() < 0.25):
            colour = _snow(rng, colour, scene, band, top, profile, amplitude, shade, depth)
        colour = colour * palette.sky.light
        haze = 0.82 * (1.0 - depth) ** 1.4 + 0.04
        mist = below * 0.35 * (1 - depth)
        colour = _mix(colour, palette.sky.horizon, np.clip(haze + mist, 0.0, 0.95)[:, :, None])
        _paint(canvas[start:stop], colour, band.coverage(top))


def _smoothed(values: np.ndarray, fraction: float = 1 / 40) -> np.ndarray:
    """Box-filter a per-column curve over ``fraction`` of the image width."""
    width = max(3, int(len(values) * fraction))
    kernel = np.ones(width, dtype=np.float32) / width
    padded = np.pad(values, width, mode="edge")
    return np.convolve(padded, kernel, mode="same")[width:-width]


def _facet_shade(profile: np.ndarray, strength: float) -> np.ndarray:
    """Brightness per column from the slope of a smoothed ridge: sunlit and shaded faces.

    ``strength`` is signed: positive when the sun is on the right.
    """
    if len(profile) < 3:
        return np.ones_like(profile, dtype=np.float32)
    slope = np.gradient(_smoothed(profile, 1 / 20)) * len(profile) * strength
    return (1.0 + np.clip(slope, -0.45, 0.45)).astype(np.float32)


def _snow(
    rng: np.random.Generator,
    colour: np.ndarray,
    scene: Scene,
    grid: _Grid,
    top: np.ndarray,
    profile: np.ndarray,
    amplitude: float,
    shade: np.ndarray,
    depth: float,
) -> np.ndarray:
    """Snow caps on the high parts of a ridge, ragged with noise and shaded by slope."""
    snowline = float(rng.uniform(0.35, 0.7)) + 0.25 * depth
    high = np.clip(_smoothed(profile, 1 / 25) - snowline, 0.0, None)
    thickness = high * amplitude * 1.8
    ragged = fbm_2d(rng, grid.y, grid.x, cells=(16, 20), octaves=3)
    below = grid.y - top[None, :]
    reach = thickness[None, :] * (0.5 + ragged) + np.float32(0.004) * (high[None, :] > 0)
    cover = np.clip((reach - below) * grid.size * 0.5, 0.0, 1.0)
    snow = scene.palette.ground.snow[None, None, :] * (0.55 + 0.45 * shade)[None, :, None]
    return _mix(colour, snow, cover[:, :, None])


def _foreground(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    """Rolling ground (meadow or dunes) from the horizon down, when there is no lake."""
    ground = scene.palette.ground
    x = grid.x[0]
    top = scene.horizon + 0.02 + 0.05 * fbm_1d(rng, x, base_points=3, octaves=5)
    shade = _facet_shade(-top, 0.5 if scene.sun_x > 0.5 else -0.5)
    texture = fbm_2d(rng, grid.y, grid.x, cells=(24, 5), octaves=4)
    near = np.clip((grid.y - scene.horizon) / (1.0 - scene.horizon), 0.0, 1.0)
    fade = np.clip(1.0 - (grid.y - top[None, :]) * 12.0, 0.0, 1.0)
    body = (0.75 + 0.4 * texture - 0.25 * near) * (1.0 + (shade[None, :] - 1.0) * fade)
    colour = ground.ground[None, None, :] * body[:, :, None]
    colour = colour * scene.palette.sky.light
    colour = _mix(colour, scene.palette.sky.horizon, (0.25 * (1.0 - near))[:, :, None])
    _paint(canvas, colour, grid.coverage(top.astype(np.float32)))


def _lake(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    """Replace everything below the water line with a rippled, darkened reflection."""
    start = int(np.ceil(scene.horizon * grid.size - 0.5))
    if start >= grid.size:
        return
    y = grid.y[start:]
    below = y - scene.horizon
    frequency = float(rng.uniform(80.0, 160.0))
    ripple = float(rng.uniform(0.002, 0.008)) * (1.0 + 6.0 * below)
    phase = fbm_2d(rng, y, grid.x, cells=(30, 4), octaves=2) * 6.0
    x_source = grid.x + ripple * np.sin(frequency * below + phase)
    y_source = scene.horizon - below * (1.0 + 0.04 * np.sin(frequency * 0.5 * below + phase))
    rows = np.clip((y_source * grid.size).astype(np.int64), 0, grid.size - 1)
    cols = np.clip((x_source * grid.size).astype(np.int64), 0, grid.size - 1)
    reflection = canvas[rows, cols]
    depth = np.clip(below / (1.0 - scene.horizon), 0.0, 1.0)
    water = scene.palette.ground.water * scene.palette.sky.light
    mixed = _mix(reflection * 0.8, water, (0.15 + 0.45 * depth)[:, :, None])
    streaks = fbm_2d(rng, y, grid.x, cells=(40, 3), octaves=2)
    mixed *= (0.9 + 0.2 * streaks)[:, :, None]
    if not scene.palette.sky.night:  # sun glitter in a column under the sun
        glitter = np.exp(-(((grid.x - scene.sun_x) / (scene.sun_radius * 1.5)) ** 2))
        sparkle = np.clip((streaks - 0.55) * 5.0, 0.0, 1.0) * glitter
        _paint(mixed, scene.palette.sky.glow, sparkle * 0.7)
    canvas[start:] = mixed
    _shore(rng, canvas, scene, grid)


def _shore(rng: np.random.Generator, canvas: np.ndarray, scene: Scene, grid: _Grid) -> None:
    """A dark near shore along the bottom edge, sometimes with trees."""
    if rng.uniform() < 0.4:
        return
    x = grid.x[0]
    top = float(rng.uniform(0.9, 0.97)) + 0.03 * fbm_1d(rng, x, base_points=3, octaves=4)
    if scene.biome in ("forest", "alpine") and rng.uniform() < 0.6:
        top = top - tree_line(rng, x, density=float(rng.uniform(15, 40)), height=0.12, conifer=True)
    colour = scene.palette.ground.vegetation * scene.palette.sky.light * 0.6
    _paint(canvas, colour, grid.coverage(top.astype(np.float32)))


def render_scene(rng: np.random.Generator, size: int) -> np.ndarray:
    """Render one random scene as float32 (size, size, 3) in [0, 1]."""
    scene = sample_scene(rng)
    grid = _Grid.of(size)
    canvas = _sky(rng, scene, grid)
    _mountains(rng, canvas, scene, grid)
    if scene.lake:
        _lake(rng, canvas, scene, grid)
    else:
        _foreground(rng, canvas, scene, grid)
    return canvas


def render_landscapes(count: int, size: int, seed: int = 0) -> np.ndarray:
    """Render ``count`` synthetic landscape images: uint8 array (count, size, size, 3).

    Deterministic: image ``i`` depends only on ``(seed, i)``, so the first ``k`` images are the same
    for any ``count >= k``. These are procedurally generated, not photographs.
    """
    if count < 0 or size < 1:
        raise ValueError(f"count must be >= 0 and size >= 1, got count={count}, size={size}")
    images = np.empty((count, size, size, 3), dtype=np.uint8)
    with _single_threaded_blas():  # the matrix products are tiny: BLAS threads only add overhead
        for index in range(count):
            rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
            canvas = render_scene(rng, size)
            images[index] = np.clip(canvas * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
    return images


def _single_threaded_blas() -> contextlib.AbstractContextManager[object]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
