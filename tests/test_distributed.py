"""DistributedDataParallel on CPU: 2 gloo processes started by torchrun (tests/ddp_worker.py).

Tolerance: a 2-process step computes the single-process gradient of the same global batch, but
sums in a different order (per-rank means, then an all-reduce average), so losses and weights
agree to float32 rounding, amplified a little by Adam over a few steps: we require
``atol = 1e-5`` on losses and ``atol = 1e-4`` on weights. Parameters of the two ranks must be
bit-identical (DDP gives both the same averaged gradient).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from dnagan.errors import ConfigError
from dnagan.training import distributed as ddp

WORKER = Path(__file__).with_name("ddp_worker.py")
LOSS_ATOL = 1e-5
WEIGHT_ATOL = 1e-4


def torchrun(
    *args: str, env: dict[str, str] | None = None, expect: int | None = 0, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/ddp_worker.py ARGS`` under torchrun with 2 CPU processes (gloo)."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "", **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(WORKER.parent), environment.get("PYTHONPATH", "")]
    )
    command = ddp.torchrun_command(2, [str(WORKER), *args])
    result = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    if expect is not None:
        assert result.returncode == expect, result.stderr[-4000:]
    return result


def load_ranks(folder: Path, count: int = 2) -> list[dict[str, Any]]:
    return [torch.load(folder / f"rank{r}.pt", weights_only=False) for r in range(count)]


@pytest.fixture(scope="module")
def mechanics(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """One torchrun launch for the GAN-step and collectives checks (CI time)."""
    folder = tmp_path_factory.mktemp("mechanics")
    torchrun("mechanics", str(folder))
    return load_ranks(folder)


def test_ddp_gan_steps_match_single_process(mechanics: list[dict[str, Any]]) -> None:
    rank0, rank1 = (r["gan"] for r in mechanics)
    for part in ("G", "D"):  # identical on both ranks, spectral-norm u/v buffers included
        assert rank0[part].keys() == rank1[part].keys()
        for name in rank0[part]:
            assert torch.equal(rank0[part][name], rank1[part][name]), f"{part}.{name}"
    assert any("parametrizations" in name for name in rank0["D"])

    sys.path.insert(0, str(WORKER.parent))
    try:
        import ddp_worker
    finally:
        sys.path.remove(str(WORKER.parent))
    single = ddp_worker.gan_steps(wrap=False)
    torch.testing.assert_close(rank0["losses"], single["losses"], atol=LOSS_ATOL, rtol=0)
    for part in ("G", "D"):
        for name, value in single[part].items():
            torch.testing.assert_close(rank0[part][name], value, atol=WEIGHT_ATOL, rtol=0)
    # the steps did train: weights moved away from their initial values
    start = ddp_worker.tiny_networks()[0].state_dict()
    assert any(not torch.equal(start[k], single["G"][k]) for k in start)


def test_collectives_across_two_ranks(mechanics: list[dict[str, Any]]) -> None:
    ranks = [r["collectives"] for r in mechanics]
    expected = np.concatenate([np.full((2, 3), 0.0), np.full((3, 3), 1.0)])
    items = np.arange(14, dtype=np.float32).reshape(7, 2)
    for rank, result in enumerate(ranks):
        np.testing.assert_array_equal(result["gathered"], expected)
        np.testing.assert_array_equal(result["mapped"], items * 2)
        assert result["path"] == "from-rank-0"
        assert result["any"] is True and result["none"] is False
        assert result["objects"] == [0, 1]
        # each rank gets its half of the same global batches, in order
        half = [torch.arange(2) + 2 * rank + 10, torch.arange(2) + 2 * rank + 20]
        assert all(torch.equal(a, b) for a, b in zip(result["shards"], half, strict=True))
        assert torch.equal(result["mean"], torch.tensor([0.5, 4.0]))
        assert result["shared"] == "made on rank 0"
        assert result["error"] == "OutputError: runs/x: made on rank 0"


# ------------------------------------------------------------- the trainer under torchrun


def run_args(out: Path) -> list[str]:
    """``dnagan run`` arguments: the tiny networks at 16/32 px, few steps, no evaluation."""
    from dnagan.training.tiny import TINY_OVERRIDES

    sets = [arg for pair in TINY_OVERRIDES for arg in ("--set", pair)]
    return ["run", "--encoder", "average", "--preset", "smoke", "--device", "cpu",
            "--out", str(out), *sets]


def test_ddp_run_stops_resumes_and_matches_an_unstopped_run(tmp_path: Path) -> None:
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    done = torchrun(*run_args(straight))
    assert done.stdout.strip().splitlines()[-1] == str(straight)  # rank 0 prints it, once
    assert done.stdout.count(str(straight)) == 1
    assert "terminate called" not in done.stderr  # no rank left the group while another ran
    assert sorted(p.name for p in tmp_path.iterdir()) == ["straight"]  # no folder per rank
    assert (straight / "summary.json").is_file() and (straight / "samples").is_dir()
    # rank 1 alone asks to stop after stage-1 step 3 (as a signal would): all ranks stop there
    env = {"DDP_STOP_AT": "1:3:1"}
    interrupted = torchrun(*run_args(stopped), env=env, expect=None)
    assert interrupted.returncode != 0
    assert "dnagan run --resume" in interrupted.stderr
    from dnagan.training.checkpoint import load_checkpoint

    kept = load_checkpoint(stopped / "checkpoints" / "latest.pt")
    assert kept["stages"]["1"]["step"] == 3 and len(kept["rank_rng"]) == 2
    assert not (stopped / "checkpoints" / "final.pt").exists()
    torchrun("run", "--resume", str(stopped))  # every rank loads rank 0's checkpoint
    from test_resume import weights  # the final checkpoint's tensors, flattened

    a, b = weights(straight), weights(stopped)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    rows = [json.loads(line) for line in (stopped / "metrics.jsonl").read_text().splitlines()]
    steps = [(r["stage"], r["step"]) for r in rows if "d_loss" in r]
    assert steps == sorted(set(steps)) and len(steps) == 5 + 4


def test_nproc_launches_torchrun_with_the_same_arguments(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, list[str]]] = []

    def fake_launch(nproc: int, args: list[str], env: Any = None) -> int:
        calls.append((nproc, list(args)))
        return 3

    monkeypatch.setattr(ddp, "launch", fake_launch)
    result = cli("run", "--encoder", "kmer", "--nproc", "2", "--preset", "smoke", "-o", "k=3",
                 "--set", "stage1.steps=2", "--strict", "--steps2", "5")
    assert result.exit_code == 3
    nproc, args = calls[0]
    assert nproc == 2 and args[:3] == ["-m", "dnagan", "run"]
    assert "--nproc" not in args
    pairs = {args[i]: args[i + 1] for i in range(3, len(args) - 1) if args[i].startswith("--")}
    assert pairs["--encoder"] == "kmer" and pairs["--preset"] == "smoke"
    assert pairs["--option"] == "k=3" and pairs["--set"] == "stage1.steps=2"
    assert pairs["--steps2"] == "5" and "--strict" in args


# ---------------------------------------------------------------- single-process behaviour


def test_single_process_helpers_are_identity() -> None:
    assert ddp.info().world_size == 1 and ddp.is_main()
    batch = torch.arange(6)
    assert ddp.shard(batch) is batch
    array = np.ones((3, 2))
    assert ddp.all_gather_array(array) is array
    assert ddp.broadcast_object("x") == "x"
    assert ddp.gather_objects(5) == [5]
    assert ddp.any_rank(True) and not ddp.any_rank(False)
    module = torch.nn.Linear(2, 2)
    assert ddp.wrap_ddp(module) is module and ddp.unwrap(module) is module
    assert ddp.rank_seed(11) == 11
    ddp.barrier()


def test_init_without_torchrun_is_single_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    info = ddp.init_distributed("cpu")
    assert (info.rank, info.world_size, info.distributed, info.main) == (0, 1, False, True)
    assert info.device == torch.device("cpu")


def test_bad_environment_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ConfigError, match="WORLD_SIZE"):
        ddp.env_ranks()
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "2")
    with pytest.raises(ConfigError, match="inconsistent"):
        ddp.env_ranks()


def test_local_world_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    assert ddp.local_world_size() == 1
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert ddp.local_world_size() == 4


def test_shards_cover_the_global_batch() -> None:
    batch = torch.arange(8)
    parts = [ddp.shard(batch, rank=r, world=4) for r in range(4)]
    assert torch.equal(torch.cat(parts), batch)
    with pytest.raises(ConfigError, match="does not split evenly over 3"):
        ddp.shard(batch, rank=0, world=3)
    ranges = [ddp.shard_range(10, rank=r, world=3) for r in range(3)]
    assert [list(r) for r in ranges] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert ddp.check_batch(32, world=8) == 4


def test_rank_seeds_differ_and_repeat() -> None:
    seeds = {ddp.rank_seed(5, rank=r) for r in range(1, 4)}
    assert len(seeds) == 3 and 5 not in seeds
    a = torch.rand(4, generator=ddp.rank_generator(5, 1, 7))
    b = torch.rand(4, generator=ddp.rank_generator(5, 1, 7))
    c = torch.rand(4, generator=ddp.rank_generator(5, 1, 8))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_cuda_device_requires_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert ddp.pick_device("auto") == torch.device("cpu")
    with pytest.raises(ConfigError, match="no CUDA device"):
        ddp.pick_device("cuda")
    with pytest.raises(ConfigError, match="not a device"):
        ddp.pick_device("tpu")


def test_each_local_rank_gets_its_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert ddp.pick_device("cuda", local_rank=1) == torch.device("cuda", 1)
    assert ddp.pick_device("cuda:0", local_rank=1) == torch.device("cuda", 0)
    with pytest.raises(ConfigError, match="local rank 2 has no GPU"):
        ddp.pick_device("auto", local_rank=2)


def test_torchrun_command_names_a_free_port() -> None:
    command = ddp.torchrun_command(2, ["-m", "dnagan", "run"], port=29555)
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert command[command.index("--nproc_per_node") + 1] == "2"
    assert command[command.index("--master_port") + 1] == "29555"
    assert command[-3:] == ["-m", "dnagan", "run"]
    assert 0 < ddp.free_port() < 65536
    with pytest.raises(ConfigError):
        ddp.torchrun_command(0, [])
