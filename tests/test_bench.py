"""``dnagan bench`` machinery: plans, resuming, aggregation and parallel worker processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_support import assert_clean_error
from trainer_plugins import TestPlugins

from dnagan.bench.aggregate import aggregate, format_value
from dnagan.bench.parallel import default_workers, worker_threads
from dnagan.bench.runner import SUMMARY_FILE, run_bench
from dnagan.devices import auto_threads
from dnagan.errors import DnaganError, InputError, OutputError
from dnagan.testing import registered_plugin
from dnagan.training.config import TrainConfig
from dnagan.training.loop import train
from dnagan.training.signals import Interrupted
from dnagan.training.tiny import tiny_config

TIMING_KEYS = {"train_seconds", "images_per_s", "encode_per_s", "model"}


@pytest.fixture(autouse=True)
def _plugins() -> Iterator[None]:
    with registered_plugin(TestPlugins(), "bench-test"):
        yield


def _config(*overrides: str) -> TrainConfig:
    return tiny_config(*overrides)


def _bench(config: TrainConfig, encoders: list[str], out: Path, **kwargs: Any) -> Any:
    """``run_bench`` with one seed and only the cheap ``meanpixel`` metric."""
    return run_bench(config, encoders, 1, out, _train, evaluators=["meanpixel"], **kwargs)


def _train(config: TrainConfig, run_dir: Path, resume: bool) -> dict[str, Any]:
    return train(config, run_dir, resume=resume)


def _comparable(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if k not in TIMING_KEYS} for s in summaries]


def test_parallel_workers_give_the_same_results_as_one_at_a_time(tmp_path: Path) -> None:
    lines: list[str] = []
    one = _bench(_config("seed=3"), ["average", "kmer"], tmp_path / "one")
    both = _bench(_config("seed=3"), ["average", "kmer"], tmp_path / "two", workers=2,
                  emit=lines.append)
    assert [(s["encoder"], s["seed"]) for s in both] == [("average", 3), ("kmer", 3)]
    assert _comparable(both) == _comparable(one)
    assert all(s["meanpixel_n"] > 0 and s["encode_per_s"] > 0 for s in both)
    assert any(line.startswith("kmer-seed3: stage 2") for line in lines)
    for label in ("average-seed3", "kmer-seed3"):
        assert (tmp_path / "two" / "runs" / label / SUMMARY_FILE).is_file()


def test_a_finished_bench_is_read_back_and_another_plan_is_refused(tmp_path: Path) -> None:
    calls: list[str] = []

    def counting(config: TrainConfig, run_dir: Path, resume: bool) -> dict[str, Any]:
        calls.append(config.encoder)
        return train(config, run_dir, resume=resume)

    out = tmp_path / "bench"
    first = run_bench(_config(), ["average"], 1, out, counting, evaluators=["meanpixel"])
    again = run_bench(_config(), ["average"], 1, out, counting, evaluators=["meanpixel"])
    assert calls == ["average"] and again == first
    with pytest.raises(OutputError, match="other settings"):
        run_bench(_config("stage1.steps=7"), ["average"], 1, out, counting,
                  evaluators=["meanpixel"])


def test_a_failing_parallel_job_raises_its_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    with pytest.raises(InputError, match=r"bench job refusing-seed0: .*accepts no sequence"):
        _bench(_config(), ["average", "refusing"], out, workers=2)
    assert not (out / "runs" / "refusing-seed0" / SUMMARY_FILE).exists()


def test_an_interrupted_parallel_bench_resumes(tmp_path: Path) -> None:
    config = _config("stage1.steps=200", "stage1.checkpoint_every=20")
    out = tmp_path / "bench"
    sent: list[str] = []

    def interrupt_once(line: str) -> None:
        if " stage 1 " in line and not sent:  # the first progress line: training has begun
            sent.append(line)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Interrupted) as stopped:
        _bench(config, ["average", "kmer"], out, workers=2, emit=interrupt_once)
    assert stopped.value.exit_code == 130
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert set(runs) <= {"average-seed0", "kmer-seed0"}  # one may not have started yet
    assert not any((out / "runs" / name / SUMMARY_FILE).exists() for name in runs)
    assert any((out / "runs" / name / "checkpoints" / "latest.pt").is_file() for name in runs)

    resumed = _bench(config, ["average", "kmer"], out, workers=2)
    fresh = _bench(config, ["average", "kmer"], tmp_path / "fresh", workers=2)
    assert _comparable(resumed) == _comparable(fresh)


def test_a_killed_worker_is_a_one_line_error_and_the_bench_resumes(tmp_path: Path) -> None:
    config = _config("stage1.steps=200", "stage1.checkpoint_every=20")
    out = tmp_path / "bench"
    killed: list[int] = []

    def kill_one(line: str) -> None:
        if " stage 1 " in line and not killed:
            victim = multiprocessing.active_children()[0]
            killed.append(victim.pid or 0)
            os.kill(victim.pid or 0, signal.SIGKILL)

    with pytest.raises(DnaganError, match=r"killed by SIGKILL .*run the same command again"):
        _bench(config, ["average", "kmer"], out, workers=2, emit=kill_one)
    assert multiprocessing.active_children() == []  # every worker was reaped
    resumed = _bench(config, ["average", "kmer"], out, workers=2)
    assert [s["encoder"] for s in resumed] == ["average", "kmer"]


def test_plugins_that_cannot_be_pickled_make_the_bench_run_one_job_at_a_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    module = types.ModuleType("bench_test_module_plugin")  # modules cannot be pickled
    with registered_plugin(module, "module-plugin"):
        summaries = _bench(_config(), ["average", "kmer"], tmp_path / "bench", workers=2)
    assert [s["encoder"] for s in summaries] == ["average", "kmer"]
    assert "cannot reach worker processes (module-plugin)" in caplog.text


def test_aggregate_reports_mean_and_spread_over_seeds() -> None:
    row = aggregate("kmer", [
        {"fid": 300.0, "kid": 0.3, "kid_std": 0.01, "determinism": True, "fid_n": 256},
        {"fid": 310.0, "kid": 0.5, "kid_std": 0.03, "determinism": True, "fid_n": 256},
    ])
    assert row["seeds"] == 2 and row["fid"] == 305.0 and row["fid_n"] == 256
    assert row["fid_spread"] == pytest.approx(7.0710678)
    assert row["determinism"] is True and "determinism_spread" not in row
    assert format_value(row, "fid", 1) == "305.0 ± 7.1"
    assert format_value(row, "kid", 2) == "0.40 ± 0.02"  # KID shows its own subset spread
    assert format_value(row, "locality", 3) == "–"


def test_default_workers_use_every_core_on_cpu_and_one_gpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert default_workers(3, "cpu") == 3
    assert default_workers(9, "cpu") == 4
    assert default_workers(9, "cuda") == 1
    assert worker_threads(3) == 1 and worker_threads(2) == 2
    monkeypatch.setenv("DNAGAN_THREADS", "3")
    assert auto_threads() == 3  # what a bench worker's share fixes


def test_bench_cli_rejects_negative_jobs(cli: Any, tmp_path: Path) -> None:
    result = cli("bench", "--jobs", "-1", "--out", str(tmp_path / "b"))
    assert_clean_error(result, "--jobs must be 0 (automatic) or more, got -1")
    assert not (tmp_path / "b").exists()
