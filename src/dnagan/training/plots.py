"""Loss curves drawn with Pillow (no matplotlib dependency): one PNG per stage."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from dnagan.atomic import write_bytes

_COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189)]
_SIZE = (640, 360)
_MARGIN = (56, 16, 16, 40)  # left, top, right, bottom


def plot_lines(
    path: str | Path, steps: Sequence[float], series: Mapping[str, Sequence[float]], title: str
) -> None:
    """Draw ``series`` (name -> values per step) against ``steps`` as a PNG at ``path``."""
    image = Image.new("RGB", _SIZE, "white")
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = _MARGIN
    width, height = _SIZE[0] - left - right, _SIZE[1] - top - bottom
    values = [v for vs in series.values() for v in vs if math.isfinite(v)]
    draw.rectangle([left, top, left + width, top + height], outline=(0, 0, 0))
    draw.text((left, 2), title, fill=(0, 0, 0))
    if steps and values:
        lo, hi = min(values), max(values)
        if hi - lo < 1e-12:
            lo, hi = lo - 1.0, hi + 1.0
        s0, s1 = min(steps), max(steps)
        span = max(s1 - s0, 1e-12)

        def point(step: float, value: float) -> tuple[float, float]:
            return (left + (step - s0) / span * width, top + (hi - value) / (hi - lo) * height)

        for i, (name, vs) in enumerate(series.items()):
            colour = _COLOURS[i % len(_COLOURS)]
            points = [point(s, v) for s, v in zip(steps, vs, strict=False) if math.isfinite(v)]
            if len(points) > 1:
                draw.line(points, fill=colour, width=2)
            draw.text((left + 8 + 110 * i, top + height + 20), name, fill=colour)
        for value in (lo, (lo + hi) / 2, hi):
            draw.text((2, point(s0, value)[1] - 6), f"{value:.3g}", fill=(0, 0, 0))
        draw.text((left, top + height + 4), f"{s0:g}", fill=(0, 0, 0))
        draw.text((left + width - 40, top + height + 4), f"step {s1:g}", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    write_bytes(path, buffer.getvalue())
