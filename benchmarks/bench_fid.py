"""FID speed against pytorch-fid on the same images, in the same run.

1. Feature extraction: pytorch-fid's default path (``get_activations``: files, batch 50, its
   DataLoader workers) vs ``dnagan.evaluation.InceptionFeatures`` (same files, same decoding).
   Reports images/s, the largest feature difference and the FID both give.
2. In-training FID: generated images in memory vs cached real statistics
   (``run_evaluators(context, ["fid"])``) against writing the images as PNGs and running
   ``python -m pytorch_fid FAKES REALS``. Reports seconds and both FIDs.

Uses the Yosemite photos in ../shared/data when present, else synthetic landscapes.

    nice .venv/bin/python benchmarks/bench_fid.py --images 32 --fakes 32 --reals 64
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from dnagan.evaluation import EvaluationContext, InceptionFeatures, run_evaluators
from dnagan.evaluation.folders import read_images
from dnagan.evaluation.frechet import feature_statistics, frechet_distance
from dnagan.evaluation.weights import ensure_inception_weights

PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "landscapes" / "yosemite"


def source_files(count: int, folder: Path) -> tuple[list[Path], str]:
    """``count`` image files: Yosemite photos if present, else synthetic PNGs in ``folder``."""
    if PHOTOS.is_dir():
        return sorted(PHOTOS.glob("*.jpg"))[:count], f"Yosemite photos ({PHOTOS})"
    from dnagan.synthetic.landscapes import render_landscapes

    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(render_landscapes(count, 256, seed=0)):
        Image.fromarray(image).save(folder / f"{index:04d}.png")
    return sorted(folder.glob("*.png")), "synthetic landscapes (256x256)"


def link_into(files: list[Path], folder: Path) -> Path:
    """A folder holding exactly ``files`` (symlinks), for pytorch-fid's command line."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.name).symlink_to(file)
    return folder


def bench_extraction(files: list[Path]) -> dict[str, float]:
    """Images/s of pytorch-fid's default path and of ours on ``files``; agreement of results."""
    import torch
    from pytorch_fid.fid_score import get_activations
    from pytorch_fid.inception import InceptionV3

    workers = min(len(os.sched_getaffinity(0)), 8)
    model = InceptionV3([3]).eval()
    start = time.perf_counter()
    theirs = get_activations(
        files, model, batch_size=50, dims=2048, device="cpu", num_workers=workers
    )
    reference_rate = len(files) / (time.perf_counter() - start)
    del model
    extractor = InceptionFeatures()
    extractor.model()  # build outside the timing, as pytorch-fid's model above
    start = time.perf_counter()
    ours = extractor.features(read_images(files))
    our_rate = len(files) / (time.perf_counter() - start)
    half = len(files) // 2

    def fid(features: np.ndarray) -> float:
        return frechet_distance(
            feature_statistics(features[:half]), feature_statistics(features[half:])
        ).value

    return {
        "threads": torch.get_num_threads(),
        "pytorch_fid_img_s": reference_rate,
        "dnagan_img_s": our_rate,
        "speedup": our_rate / reference_rate,
        "max_feature_diff": float(np.abs(ours - theirs).max()),
        "fid_pytorch_fid_features": fid(theirs),
        "fid_dnagan_features": fid(ours),
    }


def bench_in_training(fakes: list[Path], reals: list[Path], work: Path) -> dict[str, float]:
    """In-memory FID with cached real statistics vs PNGs + ``python -m pytorch_fid``."""
    fake_images = np.stack(list(read_images(fakes)))
    real_images = np.stack(list(read_images(reals)))
    cache = work / "cache"
    warm = EvaluationContext(fakes=fake_images, reals=real_images, cache_dir=cache)
    assert warm.real_stats.n == len(reals)  # computed and cached outside the timing

    start = time.perf_counter()
    fake_dir = work / "fakes"
    fake_dir.mkdir()
    for index, image in enumerate(fake_images):
        Image.fromarray(image).save(fake_dir / f"{index:05d}.png")
    real_dir = link_into(reals, work / "reals")
    done = subprocess.run(
        [sys.executable, "-m", "pytorch_fid", str(fake_dir), str(real_dir), "--device", "cpu"],
        capture_output=True,
        text=True,
        check=True,
    )
    reference_s = time.perf_counter() - start
    reference_fid = float(done.stdout.strip().splitlines()[-1].split()[-1])

    start = time.perf_counter()
    context = EvaluationContext(fakes=fake_images, reals=real_images, cache_dir=cache)
    metrics = run_evaluators(context, ["fid"])
    our_s = time.perf_counter() - start
    return {
        "fakes": len(fakes),
        "reals": len(reals),
        "pytorch_fid_cli_s": reference_s,
        "dnagan_cached_s": our_s,
        "speedup": reference_s / our_s,
        "fid_pytorch_fid_cli": reference_fid,
        "fid_dnagan": float(metrics["fid"]),
        "relative_difference": abs(float(metrics["fid"]) - reference_fid) / reference_fid,
    }


def main() -> None:
    """Run both benchmarks and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32, help="images for the extraction bench")
    parser.add_argument("--fakes", type=int, default=32, help="generated images (in-training)")
    parser.add_argument("--reals", type=int, default=64, help="real images (in-training)")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    ensure_inception_weights()
    work = Path(tempfile.mkdtemp(prefix="bench-fid-"))
    try:
        files, source = source_files(args.images + args.fakes + args.reals, work / "synthetic")
        extraction = bench_extraction(files[: args.images])
        training = bench_in_training(
            files[args.images : args.images + args.fakes], files[args.images + args.fakes :], work
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"Source: {source}; command: `{' '.join(sys.argv)}`",
        "",
        "| feature extraction | value |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value:.6g} |" for key, value in extraction.items()]
    lines += ["", "| in-training FID | value |", "|---|---|"]
    lines += [f"| {key} | {value:.6g} |" for key, value in training.items()]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)


if __name__ == "__main__":
    main()
