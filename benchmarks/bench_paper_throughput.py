"""Training throughput of the paper's networks: plain eager fp32 vs the optimised CPU recipe.

For stage 1 and stage 2 separately, batch 32, one training iteration = one D step + one G step
(BCE with logits, real labels 1 - 0.2 * U(0, 1), Adam 2e-4 / beta1 0.5). The reference and the
optimised copies start from the same weights and are timed in interleaved repeats in the same
process; images/s is the median over repeats. Every iteration seeds the global RNG with its index,
so both copies see the same dropout masks and label noise: their loss trajectories, step by step,
show what bf16 does to training, next to the spread between two optimised runs with different seeds
(the noise floor).

Data: the first 32 photos of /work/shared/data/landscapes/yosemite (decoded once, Lanczos), else a
fixed synthetic batch.

    nice .venv/bin/python benchmarks/bench_paper_throughput.py [--quick] [--compile] [--out FILE]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dnagan.plugins import get_plugins

BATCH = 32
LATENT = 128
LR = 2e-4
BETAS = (0.5, 0.999)
LABEL_NOISE = 0.2
PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "landscapes" / "yosemite"
RESULTS = Path(__file__).resolve().parent / "results" / "throughput.md"


@dataclass(frozen=True)
class StepRecipe:
    """How a training step runs on the CPU. ``OPTIMISED`` is what the trainer should use."""

    channels_last: bool = False
    bf16: bool = False
    fused_adam: bool = False
    compile: bool = False
    threads: int = 0  # 0: PyTorch's default (one per core)

    def use_threads(self) -> None:
        """Set the intra-op thread count (before every timed block: recipes share the process)."""
        torch.set_num_threads(self.threads or DEFAULT_THREADS)

    def autocast(self) -> AbstractContextManager[object]:
        """bf16 autocast when enabled (losses are computed from float32 logits)."""
        if self.bf16:
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return nullcontext()

    def prepare(self, module: nn.Module) -> nn.Module:
        """Move ``module`` to channels_last when enabled."""
        return module.to(memory_format=torch.channels_last) if self.channels_last else module

    def images(self, x: Tensor) -> Tensor:
        """Lay an image batch out as the networks expect."""
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def adam(self, module: nn.Module) -> torch.optim.Adam:
        """Adam 2e-4 / (0.5, 0.999); fused (one kernel per step) when enabled, else foreach."""
        if self.fused_adam:
            return torch.optim.Adam(module.parameters(), LR, betas=BETAS, fused=True)
        return torch.optim.Adam(module.parameters(), LR, betas=BETAS)


DEFAULT_THREADS = torch.get_num_threads()
REFERENCE = StepRecipe()
OPTIMISED = StepRecipe(channels_last=True, bf16=True, fused_adam=True)


def auto_threads() -> int:
    """One intra-op thread when other processes already keep the cores busy, else one per core.

    With the cores oversubscribed, every parallel region waits for a descheduled sibling thread;
    measured here (load ~8 on 2 cores), one thread ran the quick networks 3-5x faster than two.
    """
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] >= cores else cores


class GanStep:
    """One stage's G and D with their optimisers, trained one iteration at a time."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, recipe: StepRecipe) -> None:
        self.recipe = recipe
        self.generator = recipe.prepare(copy.deepcopy(generator))
        self.discriminator = recipe.prepare(copy.deepcopy(discriminator))
        self.g_opt = recipe.adam(self.generator)
        self.d_opt = recipe.adam(self.discriminator)
        self.g_forward: Callable[..., Tensor] = self.generator
        self.d_forward: Callable[[Tensor], Tensor] = self.discriminator
        if recipe.compile:
            self.g_forward = torch.compile(self.generator)  # type: ignore[assignment]
            self.d_forward = torch.compile(self.discriminator)  # type: ignore[assignment]

    def step(self, real: Tensor, inputs: tuple[Tensor, ...]) -> tuple[float, float]:
        """One D step, then one G step on the same fakes; returns (D loss, G loss)."""
        n = real.shape[0]
        ones = 1.0 - LABEL_NOISE * torch.rand(n)
        with self.recipe.autocast():
            fake = self.g_forward(*inputs)
            logits_real = self.d_forward(real).float()
            logits_fake = self.d_forward(fake.detach()).float()
        loss_d = F.binary_cross_entropy_with_logits(logits_real, ones)
        loss_d = loss_d + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros(n))
        self.d_opt.zero_grad(set_to_none=True)
        loss_d.backward()
        self.d_opt.step()
        with self.recipe.autocast():
            logits = self.d_forward(fake).float()
        loss_g = F.binary_cross_entropy_with_logits(logits, torch.ones(n))
        self.g_opt.zero_grad(set_to_none=True)
        loss_g.backward()
        self.g_opt.step()
        return float(loss_d.detach()), float(loss_g.detach())


def load_batch(size: int) -> tuple[Tensor, str]:
    """32 real photos (or a synthetic batch) at ``size``, in [-1, 1], NCHW float32."""
    from PIL import Image, ImageOps

    files = sorted(PHOTOS.glob("*.jpg"))[:BATCH] if PHOTOS.is_dir() else []
    if len(files) == BATCH:
        arrays = []
        for path in files:
            with Image.open(path) as image:
                square = ImageOps.fit(image.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
                arrays.append(np.asarray(square))
        data = np.stack(arrays)
        source = f"{BATCH} photos from {PHOTOS.name}"
    else:
        yy, xx = np.mgrid[0:size, 0:size] / size
        phases = np.linspace(0, 3, BATCH)[:, None, None, None]
        data = 127.5 + 127.5 * np.sin(
            6 * xx[None, :, :, None] + phases + np.arange(3) * yy[None, :, :, None]
        )
        source = "synthetic batch (photos not found)"
    tensor = torch.from_numpy(data.astype(np.float32)).permute(0, 3, 1, 2) / 127.5 - 1
    return tensor.contiguous(), source


@dataclass
class Trace:
    """Seconds per timed block and losses per iteration of one run."""

    seconds: list[float]
    cpu_seconds: list[float]
    losses: list[tuple[float, float]]


def run_steps(
    runner: GanStep, real: Tensor, inputs: tuple[Tensor, ...], first: int, count: int, seed: int
) -> tuple[float, float, list[tuple[float, float]]]:
    """``count`` iterations from ``first`` (RNG seeded per iteration): wall s, CPU s, losses."""
    runner.recipe.use_threads()
    real = runner.recipe.images(real)
    inputs = tuple(runner.recipe.images(x) if x.dim() == 4 else x for x in inputs)
    losses = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for number in range(first, first + count):
        torch.manual_seed(seed * 1_000_003 + number)
        losses.append(runner.step(real, inputs))
    return time.perf_counter() - start, time.process_time() - cpu_start, losses


def bench_stage(
    stage: int, plan: tuple[int, int, bool], recipes: dict[str, tuple[StepRecipe, int]]
) -> tuple[dict[str, Trace], str]:
    """Warm up (one iteration, unless ``plan[2]`` is False), then time ``plan[0]`` interleaved
    blocks of ``plan[1]`` iterations per recipe."""
    repeats, steps, warm_up = plan
    torch.manual_seed(0)
    architecture = get_plugins().generators.get("stackgan").item()
    nets = getattr(architecture, f"build_stage{stage}")({"variant": "paper"})
    real, source = load_batch(64 if stage == 1 else 224)
    z = torch.randn(BATCH, LATENT, generator=torch.Generator().manual_seed(1))
    inputs = (z,) if stage == 1 else (load_batch(64)[0], z)
    runners = {
        name: GanStep(nets.generator, nets.discriminator, recipe)
        for name, (recipe, _) in recipes.items()
    }
    traces = {name: Trace([], [], []) for name in runners}
    for block in range(0 if warm_up else 1, repeats + 1):  # block 0 is the warm-up
        for name, runner in runners.items():
            first = 0 if block == 0 else int(warm_up) + (block - 1) * steps
            count = 1 if block == 0 else steps
            seconds, cpu, losses = run_steps(runner, real, inputs, first, count, recipes[name][1])
            traces[name].losses += losses
            if block:
                traces[name].seconds.append(seconds)
                traces[name].cpu_seconds.append(cpu)
            print(f"stage {stage} {name:>10} block {block}: {seconds:6.2f} s", file=sys.stderr)
    return traces, source


def images_per_second(seconds: list[float], steps: int) -> float:
    """Median images/s over the timed blocks."""
    return statistics.median(BATCH * steps / s for s in seconds)


def mean_gap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean absolute difference of D and G losses, iteration by iteration."""
    d = statistics.fmean(abs(x[0] - y[0]) for x, y in zip(a, b, strict=True))
    g = statistics.fmean(abs(x[1] - y[1]) for x, y in zip(a, b, strict=True))
    return d, g


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument(
        "--compile", action="store_true", help="also torch.compile the optimised run"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads of the optimised run (default: auto)"
    )
    parser.add_argument("--stages", default="1,2", help="comma-separated stages (default 1,2)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="markdown file to write")
    args = parser.parse_args(argv)
    threads = args.threads or auto_threads()
    optimised = StepRecipe(**{**asdict(OPTIMISED), "compile": args.compile, "threads": threads})
    # (timed blocks, iterations per block, warm-up iteration first) per stage
    plans = {1: (2, 1, True) if args.quick else (3, 3, True)}
    plans[2] = (1, 1, False) if args.quick else (2, 1, True)
    lines = [
        "## Paper networks: training throughput (CPU)",
        "",
        "Command: `nice .venv/bin/python benchmarks/bench_paper_throughput.py "
        f"{' '.join(sys.argv[1:] if argv is None else argv)}`  ",
        f"torch {torch.__version__}, reference: {DEFAULT_THREADS} threads (PyTorch default), "
        f"batch {BATCH}, "
        "1 iteration = 1 D step + 1 G step (BCE, Adam 2e-4/0.5).  ",
        f"optimised recipe: `{optimised}`",
        "",
        f"Load average at start: {os.getloadavg()[0]:.1f} (other processes share the cores).",
        "",
        "| stage | reference fp32 img/s | optimised img/s | speed-up (wall) "
        "| per CPU-second: ref / opt | timed blocks x iterations |",
        "|---|---|---|---|---|---|",
    ]
    quality: list[str] = []
    for stage in (int(s) for s in args.stages.split(",")):
        repeats, steps, _ = plans[stage]
        recipes = {"reference": (REFERENCE, 0), "optimised": (optimised, 0)}
        with_noise = stage == 1 and not args.quick
        if with_noise:
            recipes["opt-seed1"] = (optimised, 1)
        traces, source = bench_stage(stage, plans[stage], recipes)
        ref, opt = (images_per_second(traces[k].seconds, steps) for k in ("reference", "optimised"))
        ref_cpu, opt_cpu = (
            images_per_second(traces[k].cpu_seconds, steps) for k in ("reference", "optimised")
        )
        lines.append(
            f"| {stage} | {ref:.2f} | {opt:.2f} | **{opt / ref:.2f}x** | "
            f"{ref_cpu:.2f} / {opt_cpu:.2f} = {opt_cpu / ref_cpu:.2f}x | {repeats} x {steps} |"
        )
        gap_d, gap_g = mean_gap(traces["reference"].losses, traces["optimised"].losses)
        quality.append(
            f"- stage {stage} ({source}, {len(traces['reference'].losses)} iterations): mean |loss "
            f"fp32 - bf16| per iteration, same seed: D {gap_d:.4f}, G {gap_g:.4f}"
        )
        if with_noise:
            noise_d, noise_g = mean_gap(traces["optimised"].losses, traces["opt-seed1"].losses)
            quality.append(
                f"  - noise floor, two optimised runs with different label-noise/dropout seeds: "
                f"D {noise_d:.4f}, G {noise_g:.4f}"
            )
        for name, trace in traces.items():
            losses = " ".join(f"{d:.3f}/{g:.3f}" for d, g in trace.losses)
            quality.append(f"  - {name} D/G losses: {losses}")
    lines.append(f"\nLoad average at end: {os.getloadavg()[0]:.1f}.")
    lines += ["", "Loss trajectories (same weights, data and per-iteration seeds):", "", *quality]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
