"""SIGKILL a ``dnagan run --preset smoke`` at random moments; prove no run is ever lost.

Each run is started and killed with SIGKILL (no handler, no clean-up) at a uniformly random
moment within a reference run's wall time, then resumed and killed again at a random moment, up
to ``--max-kills-per-run`` times, then resumed to the end; runs follow until ``--kills`` SIGKILLs
were sent. After every kill:

1. the run folder holds a loadable checkpoint (``checkpoints/latest.pt`` through
   ``dnagan.training.checkpoint.load_checkpoint``, i.e. ``torch.load(weights_only=True)``); a kill
   before the first checkpoint is counted separately (nothing to lose yet: the folder is removed
   and the run started afresh);

and at the end of each run:

2. ``dnagan run --resume`` has completed (exit 0);
3. the final weights (generator, discriminator and EMA of both stages, plus Adam's moments) are
   bit-identical to the uninterrupted reference run's on this CPU.

Usage (a few minutes on 2 shared cores)::

    nice .venv/bin/python benchmarks/kill_loop.py --kills 12 --out /tmp/kill-loop

The summary is printed and written to ``--out/kill_loop.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch

RUN_ARGS = [
    "--preset", "smoke", "--encoder", "average", "--evaluators", "none", "--device", "cpu",
    "--seed", "5", "--set", "threads=2",
]


def dnagan(*args: str) -> list[str]:
    """The command line of ``dnagan ARGS`` with this interpreter."""
    return [sys.executable, "-m", "dnagan", *args]


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every tensor that defines the trained model, from ``final.pt``."""
    from dnagan.training.checkpoint import load_checkpoint

    state = load_checkpoint(run_dir / "checkpoints" / "final.pt")
    flat: dict[str, torch.Tensor] = {}
    for number, stage in state["stages"].items():
        for part in ("generator", "discriminator", "ema"):
            for name, tensor in stage[part].items():
                flat[f"{number}.{part}.{name}"] = tensor
        for part in ("opt_g", "opt_d"):
            for index, entry in stage[part]["state"].items():
                for key in ("exp_avg", "exp_avg_sq"):
                    flat[f"{number}.{part}.{index}.{key}"] = entry[key]
    return flat


def identical(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> list[str]:
    """Names of tensors that differ (or exist on one side only)."""
    names = sorted(set(a) | set(b))
    return [n for n in names if n not in a or n not in b or not torch.equal(a[n], b[n])]


def check_folder(run_dir: Path) -> str:
    """'checkpoint' when latest.pt loads, 'none-yet' when there is none; raises otherwise."""
    from dnagan.training.checkpoint import load_checkpoint

    latest = run_dir / "checkpoints" / "latest.pt"
    if not latest.exists():
        return "none-yet"
    state = load_checkpoint(latest)  # raises InputError when unloadable
    assert "stages" in state, "checkpoint without stages"
    return "checkpoint"


def stale_temporaries(run_dir: Path) -> int:
    """Temporary files an atomic write left when killed (never under a real file's name)."""
    return sum(1 for _ in run_dir.rglob(".*.tmp")) if run_dir.exists() else 0


def run_to_end(command: list[str], log: Path) -> float:
    """Run a command to completion (exit 0 required); return its wall time."""
    started = time.monotonic()
    with open(log, "ab") as handle:
        done = subprocess.run(command, stdout=handle, stderr=handle, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}); see {log}")
    return time.monotonic() - started


def trial(index: int, out: Path, span: list[float], rng: random.Random, max_kills: int,
          reference: dict[str, torch.Tensor]) -> dict[str, Any]:
    """One run killed up to ``max_kills`` times (each start and resume at a random moment).

    ``span[0]`` is the current estimate of a whole run's wall time (the machine's load varies):
    it is updated whenever a fresh run finishes before its kill.
    """
    run_dir = out / f"trial-{index:02d}"
    log = out / f"trial-{index:02d}.log"
    fresh = dnagan("run", *RUN_ARGS, "--out", str(run_dir))
    command, restarts = fresh, 0
    kills: list[dict[str, Any]] = []
    while len(kills) < max_kills:
        delay = rng.uniform(0.0, span[0])
        started = time.monotonic()
        with open(log, "ab") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=handle)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
            else:
                if process.returncode != 0:
                    raise SystemExit(f"{' '.join(command)} failed; see {log}")
                if command is fresh:
                    span[0] = time.monotonic() - started
                break  # finished before the kill
        state = check_folder(run_dir)
        kills.append({"after_s": round(delay, 2), "resuming": command is not fresh,
                      "folder": state, "stale_temp_files": stale_temporaries(run_dir)})
        if state == "none-yet":  # killed before the first checkpoint: nothing to resume
            shutil.rmtree(run_dir, ignore_errors=True)
            command, restarts = fresh, restarts + 1
        else:
            command = dnagan("run", "--resume", str(run_dir))
    else:
        run_to_end(command, log)
    if not (run_dir / "checkpoints" / "final.pt").exists():
        run_to_end(dnagan("run", "--resume", str(run_dir)), log)
    return {"trial": index, "kills": kills, "restarts_from_scratch": restarts,
            "differing_tensors": identical(reference, weights(run_dir))}


def main() -> None:
    """Parse arguments, run the reference and the trials, print and save the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs in all (at least)")
    parser.add_argument("--max-kills-per-run", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dnagan-kill-loop"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    reference_dir = out / "reference"
    span = run_to_end(dnagan("run", *RUN_ARGS, "--out", str(reference_dir)), out / "ref.log")
    reference = weights(reference_dir)
    print(f"reference run: {span:.1f} s, {len(reference)} tensors", flush=True)
    results: list[dict[str, Any]] = []
    estimate = [span]
    while sum(len(r["kills"]) for r in results) < args.kills:
        result = trial(len(results), out, estimate, rng, args.max_kills_per_run, reference)
        results.append(result)
        print(json.dumps(result), flush=True)
    kills = [k for r in results for k in r["kills"]]
    summary = {
        "command": " ".join(["dnagan", "run", *RUN_ARGS]),
        "runs": len(results),
        "sigkills": len(kills),
        "sigkills_during_resume": sum(k["resuming"] for k in kills),
        "killed_before_first_checkpoint": sum(k["folder"] == "none-yet" for k in kills),
        "loadable_checkpoint_after_every_kill_past_the_first_checkpoint": all(
            k["folder"] == "checkpoint" for k in kills if k["folder"] != "none-yet"),
        "kills_leaving_stale_temp_files": sum(k["stale_temp_files"] > 0 for k in kills),
        "runs_completed": len(results),
        "runs_bit_identical": sum(not r["differing_tensors"] for r in results),
        "reference_seconds": round(span, 1),
        "results": results,
    }
    (out / "kill_loop.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=2))
    loadable = summary["loadable_checkpoint_after_every_kill_past_the_first_checkpoint"]
    if summary["runs_bit_identical"] != len(results) or not loadable:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
