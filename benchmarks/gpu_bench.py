"""GPU benchmark for ``benchmarks/gpu.sh``: training images/s, TFLOP/s vs peak, FID features/s, a
short 224x224 Yosemite run with its FID. Prints a markdown report (and writes it with ``--out``).

Sections (each bounded in time; the whole script targets < 8 minutes on one NVIDIA GPU):

1. the GPU, its bf16 dense peak (spec table) and a measured 8192^3 bf16 matmul rate;
2. paper-preset stage 1 and stage 2 training (batch 32, one D + one G step), plain fp32 and
   bf16 autocast + channels_last + fused Adam, also at batch 128: images/s and achieved TFLOP/s
   (FLOPs of one step counted with ``FlopCounterMode``, see ``benchmarks/flops.py``);
3. FID Inception feature extraction images/s (pytorch-fid weights when present, else an untrained
   copy of the same network: same FLOPs, no FID);
4. ``dnagan run`` (quick preset, ``--device cuda``) on ../shared/data/landscapes/yosemite (or
   ``$DNAGAN_YOSEMITE``) with steps sized to a time budget from the measured quick-preset rate;
   reports the run's FID, stage-1 FID and images/s from its summary.json.

    python benchmarks/gpu_bench.py [--out FILE] [--run-budget SECONDS] [--skip-run]
    python benchmarks/gpu_bench.py cli run ...   # dnagan's CLI with the built-in plugins ensured
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
YOSEMITE = ROOT.parent / "shared" / "data" / "landscapes" / "yosemite"

# bf16 dense tensor-core peaks from the vendors' data sheets, TFLOP/s (no sparsity)
PEAK_BF16 = {
    "H200": 989.4, "H100 SXM": 989.4, "H100 NVL": 835.0, "H100 PCIe": 756.0, "H100": 989.4,
    "GH200": 989.4, "A100": 312.0, "A800": 312.0, "L40S": 362.0, "L40": 181.0, "L4": 121.0,
    "A10G": 70.0, "A10": 125.0, "RTX 4090": 165.2, "RTX 6000 Ada": 364.2, "A6000": 154.8,
    "V100": 125.0,  # fp16 (no bf16 on Volta)
}


def ensure_plugins() -> None:
    """Register the built-in plugins by module when dnagan is not installed (no entry points)."""
    from dnagan.plugins import get_plugins, register_plugin

    if "stackgan" in get_plugins().generators:
        return
    sys.path.insert(0, str(ROOT / "plugins"))
    import importlib

    for name, module in {
        "average": "encoders.average", "kmer": "encoders.kmer", "sgt": "encoders.sgt",
        "stackgan": "generators.stackgan", "fid": "evaluators.fid", "kid": "evaluators.kid",
        "diversity": "evaluators.diversity",
    }.items():
        register_plugin(importlib.import_module(f"dnagan_builtins.{module}"), name)


def peak_tflops(name: str) -> float | None:
    """The data-sheet bf16 dense peak of a GPU named ``name`` (longest matching key)."""
    keys = sorted((k for k in PEAK_BF16 if k in name), key=len, reverse=True)
    return PEAK_BF16[keys[0]] if keys else None


DEVICE = "cuda"  # ``--dry-run`` checks the script on CPU with the smoke networks


def sync() -> None:
    """Wait for queued GPU work (nothing to wait for on CPU)."""
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(function: Callable[[], Any], seconds: float, minimum: int = 3) -> tuple[int, float]:
    """Call ``function`` repeatedly for about ``seconds`` (after it was warmed up by the caller);
    returns (calls, elapsed seconds), synchronising the GPU every 10 calls and at the ends."""
    sync()
    start = time.perf_counter()
    calls = 0
    while calls < minimum or time.perf_counter() - start < seconds:
        function()
        calls += 1
        if calls % 10 == 0:
            sync()
    sync()
    return calls, time.perf_counter() - start


def matmul_rate(n: int = 8192) -> float:
    """Measured bf16 TFLOP/s of an n^3 matrix product."""
    a = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    calls, elapsed = timed(lambda: a @ b, 2.0)
    return 2 * n**3 * calls / elapsed / 1e12


def training_rate(
    preset: str, stage: int, batch: int, fast: bool, seconds: float
) -> dict[str, Any]:
    """images/s and TFLOP/s of one stage's training steps on the GPU."""
    from flops import Step, build, inputs
    from torch.utils.flop_counter import FlopCounterMode

    model = build(preset, stage, device=DEVICE, channels_last=fast)
    autocast = torch.autocast(DEVICE, dtype=torch.bfloat16) if fast else nullcontext()
    step = Step(model, autocast)
    real, z = inputs(model, batch, device=DEVICE, channels_last=fast)
    with FlopCounterMode(display=False) as counter:
        step(real, z)
    flops = counter.get_total_flops()
    for _ in range(3):
        step(real, z)
    calls, elapsed = timed(lambda: step(real, z), seconds)
    return {
        "preset": preset, "stage": stage, "batch": batch,
        "recipe": "bf16+channels_last" if fast else "fp32",
        "images_per_s": batch * calls / elapsed,
        "tflops": flops * calls / elapsed / 1e12,
        "gflop_per_step": flops / 1e9,
        "memory_gib": torch.cuda.max_memory_allocated() / 2**30 if DEVICE == "cuda" else 0.0,
    }


def inception_rate(count: int = 2000, batch: int = 250) -> dict[str, Any]:
    """FID feature extraction images/s on 224x224 uint8 images (resized to 299 inside)."""
    from dnagan.evaluation.weights import build_fid_inception, weights_path

    images = np.random.default_rng(0).integers(0, 256, (count, 224, 224, 3), dtype=np.uint8)
    if weights_path().is_file():
        from dnagan.evaluation.inception import InceptionFeatures

        extractor = InceptionFeatures(device=DEVICE, batch_size=batch)
        extractor.features(images[:batch])  # warm-up
        start = time.perf_counter()
        extractor.features(images)
        sync()
        return {"images_per_s": count / (time.perf_counter() - start), "weights": "pytorch-fid"}
    net = build_fid_inception().to(DEVICE, memory_format=torch.channels_last)
    x = torch.from_numpy(images[:batch]).to(DEVICE).permute(0, 3, 1, 2).float().div(255)

    def run() -> None:
        with torch.inference_mode():
            y = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear")
            net(y.contiguous(memory_format=torch.channels_last) * 2 - 1)

    run()
    calls, elapsed = timed(run, 5.0)
    return {"images_per_s": batch * calls / elapsed, "weights": "untrained copy (no FID weights)"}


def yosemite_run(budget: float, rates: dict[int, float], out: Path) -> dict[str, Any]:
    """A quick-preset ``dnagan run`` on the Yosemite photos sized to ``budget`` seconds."""
    from dnagan.evaluation.weights import weights_path

    photos = Path(os.environ.get("DNAGAN_YOSEMITE", YOSEMITE))
    if not photos.exists():
        return {"skipped": f"{photos} not found"}
    steps1 = max(100, int(0.7 * budget * rates[1] / 32))
    steps2 = max(50, int(0.3 * budget * rates[2] / 16))
    run_dir = out / "yosemite-run"
    evaluators = [] if weights_path().is_file() else ["--evaluators", "none"]
    command = [
        sys.executable, str(Path(__file__).resolve()), "cli", "run", "--encoder", "average",
        "--images", str(photos), "--preset", "quick", "--device", "cuda", "--out", str(run_dir),
        "--steps1", str(steps1), "--steps2", str(steps2), "--set", "eval_samples=2000",
        "--set", "stage1.sample_every=100000", "--set", "stage2.sample_every=100000", *evaluators,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=budget + 200)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"failed": done.stderr[-2000:], "command": " ".join(command[2:])}
    summary = json.loads((run_dir / "summary.json").read_text())
    keep = ("fid", "fid_n", "fid_stage1", "fid_stage1_n", "kid", "images_per_s", "train_seconds")
    return {"steps1": steps1, "steps2": steps2, "wall_s": wall, "photos": str(photos),
            **{k: summary[k] for k in keep if k in summary}}


def report(results: dict[str, Any]) -> str:
    """The markdown report."""
    gpu = results["gpu"]
    peak = gpu["peak_bf16_tflops"]
    lines = [
        f"GPU: {gpu['name']} ({gpu['memory_gib']:.0f} GiB), torch {torch.__version__}; "
        f"bf16 peak {peak or 'unknown'} TFLOP/s (data sheet), "
        f"measured bf16 matmul {gpu['matmul_tflops']:.0f} TFLOP/s",
        "",
        "| preset | stage | batch | recipe | images/s | GFLOP/step | TFLOP/s | % of peak "
        "| memory GiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["training"]:
        share = f"{100 * r['tflops'] / peak:.1f}" if peak else "-"
        lines.append(
            f"| {r['preset']} | {r['stage']} | {r['batch']} | {r['recipe']} | "
            f"{r['images_per_s']:.0f} | {r['gflop_per_step']:.0f} | {r['tflops']:.1f} | {share} | "
            f"{r['memory_gib']:.1f} |"
        )
    inc = results["inception"]
    lines += ["", f"FID feature extraction: {inc['images_per_s']:.0f} images/s ({inc['weights']})"]
    lines += ["", f"Yosemite quick run: {json.dumps(results.get('run', {}), sort_keys=True)}"]
    lines += ["", f"Total wall time: {results['wall_s']:.0f} s"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every section and print the report."""
    if sys.argv[1:2] == ["cli"]:
        ensure_plugins()
        from dnagan.cli import main as cli_main

        sys.argv = ["dnagan", *sys.argv[2:]]
        cli_main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write the markdown report here too")
    parser.add_argument("--json", type=Path, help="write raw results as JSON here")
    parser.add_argument("--run-budget", type=float, default=150.0, help="training seconds")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the script on CPU: smoke networks, tiny counts, no run")
    args = parser.parse_args()
    global DEVICE
    dry = args.dry_run
    if dry:
        DEVICE = "cpu"
    elif not torch.cuda.is_available():
        sys.exit("gpu_bench: no CUDA device (use --dry-run to check the script on CPU)")
    ensure_plugins()
    torch.backends.cudnn.benchmark = True
    began = time.perf_counter()
    name, memory = ("cpu (dry run)", 0.0) if dry else (
        torch.cuda.get_device_properties(0).name,
        torch.cuda.get_device_properties(0).total_memory / 2**30,
    )
    results: dict[str, Any] = {"gpu": {
        "name": name, "memory_gib": memory, "peak_bf16_tflops": peak_tflops(name),
        "matmul_tflops": matmul_rate(256 if dry else 8192),
    }}
    big, small, seconds = ("smoke", "smoke", 0.2) if dry else ("paper", "quick", 5.0)
    plan = [(big, s, b, fast) for s in (1, 2) for b, fast in ((32, False), (32, True), (128, True))]
    plan += [(small, s, b, True) for s, b in ((1, 32), (2, 16))]
    results["training"] = []
    for preset, stage, batch, fast in plan:
        row = training_rate(preset, stage, batch // 8 if dry else batch, fast, seconds)
        print(json.dumps(row), file=sys.stderr, flush=True)
        results["training"].append(row)
        if not dry:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
    results["inception"] = inception_rate(8, 4) if dry else inception_rate()
    quick = {r["stage"]: r["images_per_s"] for r in results["training"][-2:]}
    if not (args.skip_run or dry):
        out = args.out.parent if args.out else Path("runs-gpu")
        out.mkdir(parents=True, exist_ok=True)
        results["run"] = yosemite_run(args.run_budget, quick, out)
    results["wall_s"] = time.perf_counter() - began
    text = report(results)
    print(text)
    if args.out:
        args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
