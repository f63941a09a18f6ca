"""A bar chart of one metric per encoder, drawn with Pillow (no plotting dependency)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from dnagan import atomic

_PALETTE = (
    (66, 133, 244),
    (219, 68, 55),
    (244, 180, 0),
    (15, 157, 88),
    (171, 71, 188),
    (0, 172, 193),
)


def bar_chart(rows: Sequence[Mapping[str, Any]], metric: str, title: str, path: str | Path) -> None:
    """Write a PNG bar chart of ``metric`` (with ``<metric>_spread`` error bars) per encoder."""
    width, height, margin, bottom = 640, 400, 60, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((margin, 15), title, fill="black", font=font)
    values = [float(r.get(metric) or 0.0) for r in rows]
    spreads = [float(r.get(f"{metric}_spread") or 0.0) for r in rows]
    top = max((v + s for v, s in zip(values, spreads, strict=True)), default=1.0) or 1.0
    plot_h = height - margin - bottom
    base_y = height - bottom
    draw.line((margin, base_y, width - 20, base_y), fill="black")
    draw.line((margin, margin, margin, base_y), fill="black")
    for tick in range(5):
        y = base_y - plot_h * tick / 4
        draw.line((margin - 4, y, margin, y), fill="black")
        draw.text((4, y - 6), f"{top * tick / 4:.3g}", fill="black", font=font)
    slot = (width - margin - 40) / max(len(rows), 1)
    for index, (row, value, spread) in enumerate(zip(rows, values, spreads, strict=True)):
        x0 = margin + 20 + index * slot
        x1 = x0 + slot * 0.6
        y = base_y - plot_h * value / top
        draw.rectangle((x0, y, x1, base_y), fill=_PALETTE[index % len(_PALETTE)])
        if spread:
            cx = (x0 + x1) / 2
            y_low, y_high = (base_y - plot_h * (value + d * spread) / top for d in (-1, 1))
            draw.line((cx, y_low, cx, y_high), fill="black", width=2)
        draw.text((x0, y - 14), f"{value:.3g}", fill="black", font=font)
        draw.text((x0, base_y + 8), str(row.get("encoder", "?")), fill="black", font=font)
    with atomic.atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
