"""How close dnagan's Inception features run to this CPU's fp32 ceiling, and what compilers add.

Measures, in one process: a 2048x2048 fp32 matmul (the CPU's practical GFLOP/s ceiling), the
network's FLOPs per image, and images/s of the shipped eager path against ``torch.jit`` freezing
and ``torch.compile`` (inductor; set ``TORCHINDUCTOR_FREEZING=1``). Random 256x256 images.

    .venv/bin/python benchmarks/probe_inception_backends.py [--compile] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from dnagan.evaluation.inception import InceptionFeatures


def images_per_s(model: Callable[[torch.Tensor], object], batches: list[torch.Tensor]) -> float:
    """Images per second over ``batches`` after one warm-up call."""
    model(batches[0])
    start = time.perf_counter()
    for batch in batches:
        model(batch)
    return sum(len(b) for b in batches) / (time.perf_counter() - start)


def matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    """fp32 GFLOP/s of a square matmul with torch's current threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return repeats * 2 * size**3 / (time.perf_counter() - start) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (args.images, 3, 256, 256), dtype=np.uint8)
    batches = [
        torch.from_numpy(pixels[i : i + 16]).float().div(255).contiguous(
            memory_format=torch.channels_last
        )
        for i in range(0, args.images, 16)
    ]
    model = InceptionFeatures(threads=args.threads).model()
    with torch.inference_mode():
        with FlopCounterMode(display=False) as counter:
            model(batches[0][:1])
        gflop = counter.get_total_flops() / 1e9
        ceiling = matmul_gflops()
        rows = {"eager (shipped)": images_per_s(model, batches)}
        traced = torch.jit.trace(model, batches[0], check_trace=False)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        rows["jit trace + freeze + optimize_for_inference"] = images_per_s(frozen, batches)
        if args.compile:
            rows["torch.compile (inductor)"] = images_per_s(torch.compile(model), batches)
    print(f"threads {args.threads}; {gflop:.2f} GFLOP per image; matmul ceiling {ceiling:.0f} "
          f"GFLOP/s = {ceiling / gflop:.1f} img/s")
    for name, rate in rows.items():
        print(f"{name}: {rate:.2f} img/s = {rate * gflop:.0f} GFLOP/s "
              f"({rate * gflop / ceiling:.0%} of the matmul ceiling)")


if __name__ == "__main__":
    main()
