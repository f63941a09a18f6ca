"""Faults during training: SIGINT/SIGTERM stop cleanly, a NaN loss stops with the last good state.

SIGINT and SIGTERM (a Ctrl-C, a cluster pre-emption) finish the current step, save
``checkpoints/latest.pt`` and exit with 130 / 143 and one line saying how to resume. A NaN or
infinite loss stops the run with one ``error:`` line (exit 2) naming the stage and step, and the
last checkpoint written before it stays loadable and finite. The SIGKILL loop (a crash at any
moment never loses the run, and resuming is bit-identical) is ``benchmarks/kill_loop.py``.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from reliability_support import assert_clean_error

from dnagan.training.checkpoint import load_checkpoint

TINY = (
    "--preset", "smoke", "--encoder", "average", "--evaluators", "none",
    "--set", "stage1.batch_size=4", "--set", "stage2.batch_size=2", "--set", "threads=1",
)


def _finite(state: dict[str, Any]) -> bool:
    for stage in state["stages"].values():
        for tensor in stage["generator"].values():
            if tensor.is_floating_point() and not torch.isfinite(tensor).all():
                return False
    return True


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_checkpoints_and_exits(tmp_path: Path, signum: int, code: int) -> None:
    run = tmp_path / "run"
    command = [sys.executable, "-m", "dnagan", "run", *TINY, "--set", "stage1.steps=100000",
               "--set", "stage1.log_every=1", "--set", "stage1.checkpoint_every=100000",
               "--out", str(run)]
    env = {**os.environ, "DNAGAN_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               text=True)
    try:
        deadline = time.monotonic() + 300
        while not (run / "metrics.jsonl").exists():  # the loop is running: handlers are in place
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "training did not start"
            time.sleep(0.2)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == code, stderr
    assert "Traceback" not in stdout + stderr
    assert f"dnagan run --resume {run}" in stderr
    state = load_checkpoint(run / "checkpoints" / "latest.pt")
    assert state["done"] is False and state["stages"]["1"]["step"] >= 1
    assert not list(run.rglob(".*.tmp"))


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dnagan.training.loop as loop

    real = loop.generator_loss
    calls = {"n": 0}

    def poisoned(*args: Any, **kwargs: Any) -> torch.Tensor:
        calls["n"] += 1
        loss = real(*args, **kwargs)
        return loss * math.nan if calls["n"] >= 3 else loss

    monkeypatch.setattr(loop, "generator_loss", poisoned)
    run = tmp_path / "run"
    result = cli("run", *TINY, "--set", "stage1.steps=6", "--set", "stage1.checkpoint_every=2",
                 "--set", "stage1.sample_every=100", "--out", str(run))
    message = assert_clean_error(result, "stage 1 step", "is nan", "latest.pt")
    # the loss is checked once per logging window (2 steps here): step 3 or 4 is named
    assert re.search(r"stage 1 step [34]:", message), message
    state = load_checkpoint(run / "checkpoints" / "latest.pt")
    assert state["stages"]["1"]["step"] == 2 and state["done"] is False
    assert _finite(state)
    assert not (run / "checkpoints" / "final.pt").exists()
    assert not list(run.rglob(".*.tmp"))


def test_ctrl_c_on_a_parallel_bench_stops_every_job_with_a_checkpoint(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the bench and all its workers at once (the process group).

    Resuming an interrupted parallel bench is tested in ``tests/test_bench.py``."""
    out = tmp_path / "bench"
    command = [sys.executable, "-m", "dnagan", "bench", "--preset", "smoke",
               "--encoders", "average,kmer", "--evaluators", "determinism", "--jobs", "2",
               "--set", "stage1.steps=100000", "--set", "stage1.checkpoint_every=100000",
               "--out", str(out)]
    env = {**os.environ, "DNAGAN_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        runs = [out / "runs" / name / "metrics.jsonl" for name in ("average-seed0", "kmer-seed0")]
        while not all(path.exists() for path in runs):  # both jobs are training
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "training did not start"
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stdout + stderr
    assert "run the same command again to resume" in stderr
    for path in runs:
        assert load_checkpoint(path.parent / "checkpoints" / "latest.pt")["done"] is False
