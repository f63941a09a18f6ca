"""Benchmark dnagan.images.load_images: cold (decode) vs cached, against a plain reference loader.

The reference is what one would write without dnagan: one thread, ``Image.open(p).convert("RGB")``,
centre crop, Lanczos resize, for every file in sorted order. dnagan's cold load hashes the files,
decodes JPEGs at a reduced DCT scale (still >= 2x the target) in threads and writes the cache; the
cached load hashes the files and reads one ``.npy``.

    nice .venv/bin/python benchmarks/bench_images.py [FOLDER] [--sizes 64 224] [--repeats 2]

Default folder: ../shared/data/landscapes/yosemite. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from dnagan.images import IMAGE_SUFFIXES, load_images

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "landscapes" / "yosemite"


def reference_load(folder: Path, size: int) -> np.ndarray:
    """Plain single-threaded decode + centre crop + Lanczos resize of every image in ``folder``."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    out = []
    for path in paths:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        side = min(rgb.size)
        left, top = (rgb.width - side) / 2, (rgb.height - side) / 2
        box = (left, top, left + side, top + side)
        out.append(np.asarray(rgb.resize((size, size), Image.Resampling.LANCZOS, box=box)))
    return np.stack(out)


def _best(function, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench(folder: Path, size: int, repeats: int) -> dict[str, float]:
    """Seconds for the reference, dnagan cold and dnagan cached loads at ``size``, best of N."""
    reference_s, reference = _best(lambda: reference_load(folder, size), repeats)
    cold_times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            cold = load_images(folder, size, cache_dir=Path(cache))
            cold_times.append(time.perf_counter() - start)
            cached_s, cached = _best(
                lambda c=cache: load_images(folder, size, cache_dir=Path(c)), repeats
            )
    assert isinstance(reference, np.ndarray)
    assert np.array_equal(cached.images, cold.images)  # type: ignore[attr-defined]
    difference = np.abs(cold.images.astype(np.int16) - reference.astype(np.int16))
    return {
        "n": len(cold.images),
        "reference_s": reference_s,
        "cold_s": min(cold_times),
        "cached_s": cached_s,
        "mean_abs_diff": float(difference.mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 224])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        "| size | images | reference s | dnagan cold s | dnagan cached s | cold speed-up "
        "| cached vs cold | mean abs diff vs reference |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        r = bench(args.folder, size, args.repeats)
        print(
            f"| {size} | {r['n']} | {r['reference_s']:.2f} | {r['cold_s']:.2f} "
            f"| {r['cached_s']:.2f} "
            f"| {r['reference_s'] / r['cold_s']:.2f}x | {r['cold_s'] / r['cached_s']:.1f}x "
            f"| {r['mean_abs_diff']:.2f} |"
        )


if __name__ == "__main__":
    main()
