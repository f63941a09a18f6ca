"""CPU scaling of training: batch size (images/s, peak memory) and 1 vs 2 gloo DDP processes.

``batch``: the quick preset's stage-1 and stage-2 networks (bf16 autocast + channels_last, as the
preset trains) at batch 16/32/64, each configuration in a fresh subprocess so that its peak RSS is
its own; images/s is the median of 3 timed blocks of steps after one warm-up step.

``ddp``: the same stage-1 step under ``torchrun --nproc_per_node N`` for N = 1 and 2 at the same
global batch 32 (each rank computes 32 / N images, ``OMP_NUM_THREADS = cores / N``), timed on
rank 0 (images/s counted over the global batch). On one machine DDP only splits the same cores, so
this measures the overhead of gradient all-reduce over gloo, not a speed-up.

    nice .venv/bin/python benchmarks/bench_scaling_cpu.py [batch|ddp|all] [--steps N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(stage: int, batch: int, steps: int, distributed: bool = False) -> dict[str, float]:
    """images/s (global) and peak RSS of quick-preset training steps in this process."""
    from flops import Step, build, inputs

    from dnagan.training import distributed as ddp

    info = ddp.init_distributed("cpu") if distributed else ddp.info()
    model = build("quick", stage, channels_last=True)
    if info.distributed:
        model.generator = ddp.wrap_ddp(model.generator)
        model.discriminator = ddp.wrap_ddp(model.discriminator)
    step = Step(model, torch.autocast("cpu", dtype=torch.bfloat16))
    real, z = inputs(model, batch, channels_last=True)
    real, z = ddp.shard(real), ddp.shard(z)
    step(real, z)
    rates = []
    for _ in range(3):
        ddp.barrier()
        start = time.perf_counter()
        for _ in range(steps):
            step(real, z)
        rates.append(batch * steps / (time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"stage": stage, "batch": batch, "world": info.world_size,
            "images_per_s": statistics.median(rates), "peak_rss_mib": peak}


def child(argv: list[str]) -> None:
    """``child STAGE BATCH STEPS [ddp]``: print one JSON row (rank 0 only under torchrun)."""
    stage, batch, steps = map(int, argv[:3])
    row = measure(stage, batch, steps, distributed=argv[3:] == ["ddp"])
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(row), flush=True)


def run_child(args: list[str], nproc: int = 0) -> dict[str, float]:
    """Run :func:`child` in a fresh interpreter (under torchrun when ``nproc``)."""
    from dnagan.training.distributed import torchrun_command

    script = [str(Path(__file__).resolve()), "child", *args]
    env = dict(os.environ)
    if nproc:
        command = torchrun_command(nproc, script)
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // nproc))
    else:
        command = [sys.executable, *script]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Run the chosen measurements and print markdown tables."""
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", default="all", choices=["batch", "ddp", "all"])
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    steps = str(args.steps)
    print(f"cores: {os.cpu_count()}, torch {torch.__version__}")
    if args.what in ("batch", "all"):
        print("\n| stage | batch | images/s | peak RSS MiB |\n|---|---|---|---|")
        for stage in (1, 2):
            for batch in (16, 32, 64):
                r = run_child([str(stage), str(batch), steps])
                print(f"| {stage} | {batch} | {r['images_per_s']:.1f} | {r['peak_rss_mib']:.0f} |",
                      flush=True)
    if args.what in ("ddp", "all"):
        print("\n| processes | global batch | images/s | rank-0 peak RSS MiB |\n|---|---|---|---|")
        for nproc in (1, 2):
            r = run_child(["1", "32", steps, "ddp"], nproc=nproc)
            print(f"| {nproc} | 32 | {r['images_per_s']:.1f} | {r['peak_rss_mib']:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
