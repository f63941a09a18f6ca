"""Run one model per encoder (and seed) under identical conditions, resumably.

Every job shares the preset, data, budget, evaluation sample count and evaluators; only the encoder
(and the seed) differ. Each job trains into ``OUT/runs/<encoder>-seed<k>``; a job whose
``summary.json`` exists is not run again, a job with a checkpoint resumes, so an interrupted bench
continues where it stopped. ``OUT/plan.json`` records what the bench compares; a later call with
a different plan on the same folder is refused.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dnagan import atomic
from dnagan.encoders import encode_checked
from dnagan.errors import ConfigError, OutputError
from dnagan.plugins import create_encoder, get_plugins
from dnagan.training.checkpoint import find_checkpoint
from dnagan.training.config import TrainConfig, merge
from dnagan.training.data import load_corpus
from dnagan.training.networks import check_settings
from dnagan.training.run_folder import remove_partial

logger = logging.getLogger("dnagan")

PLAN_FILE = "plan.json"
SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class BenchJob:
    """One training run of the bench."""

    encoder: str
    seed: int

    @property
    def label(self) -> str:
        """Folder name of the job's run."""
        return f"{self.encoder}-seed{self.seed}"


def plan_jobs(encoders: Sequence[str], seeds: int, first_seed: int = 0) -> list[BenchJob]:
    """Every encoder crossed with ``seeds`` consecutive seeds."""
    return [BenchJob(name, first_seed + k) for name in encoders for k in range(seeds)]


def bench_config(base: TrainConfig, job: BenchJob, evaluators: Sequence[str]) -> TrainConfig:
    """The job's config: ``base`` with the job's encoder and seed and the bench's evaluators."""
    return merge(
        base,
        {"encoder": job.encoder, "seed": job.seed, "evaluators": list(evaluators)},
        where=f"bench job {job.label}",
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise OutputError(f"{path}: unreadable ({error})") from None


def _open_out(out: Path, plan: dict[str, Any]) -> None:
    plan_path = out / PLAN_FILE
    if plan_path.exists():
        recorded = _read_json(plan_path)
        if recorded != plan:
            raise OutputError(
                f"{out}: holds a bench with other settings (see {PLAN_FILE}); "
                "use another --out or the same settings to resume"
            )
        return
    if out.exists() and any(out.iterdir()):
        raise OutputError(f"{out}: exists and is not empty (and is not a bench folder)")
    atomic.write_json(plan_path, plan)


def measure_encoding(config: TrainConfig) -> float:
    """Sequences per second of the config's encoder (fit + encode) on the config's DNA corpus."""
    records, _ = load_corpus(config)
    sequences = [record.sequence for record in records]
    registration = get_plugins().encoders.get(config.encoder)
    encoder = create_encoder(config.encoder, config.encoder_options)
    start = time.perf_counter()
    encoder.fit(sequences)
    encode_checked(encoder, sequences, registration.plugin)
    return len(sequences) / max(time.perf_counter() - start, 1e-9)


Trainer = Callable[[TrainConfig, Path, bool], dict[str, Any]]


def run_job(config: TrainConfig, run_dir: Path, train: Trainer) -> dict[str, Any]:
    """Train one job (resuming when its folder holds a checkpoint) and return its summary."""
    summary_path = run_dir / SUMMARY_FILE
    if summary_path.exists():
        summary: dict[str, Any] = _read_json(summary_path)
        return summary
    resume = False
    if run_dir.exists():
        try:
            find_checkpoint(run_dir, prefer_final=False)
            resume = True
        except Exception:  # noqa: BLE001 - no usable checkpoint: start the job afresh
            shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    return train(config, run_dir, resume)


def run_bench(
    base: TrainConfig,
    encoders: Sequence[str],
    seeds: int,
    out: Path,
    train: Trainer,
    on_job: Callable[[BenchJob, int, int], None] | None = None,
    evaluators: Sequence[str] | None = None,
    workers: int = 1,
    emit: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every job and return one summary per job (with ``encoder`` and ``seed``).

    ``evaluators`` defaults to every registered evaluator, third-party ones included. With
    ``workers`` > 1 that many jobs run at once, each in its own process with an equal share of
    the CPU threads (:func:`dnagan.bench.parallel.run_parallel`; ``train`` is then not used and
    progress lines go to ``emit``); results are the same as one at a time.
    """
    if not encoders or seeds < 1:
        raise ConfigError("a bench needs at least one encoder and one seed")
    plugins = get_plugins()
    for name in encoders:
        plugins.encoders.get(name)  # unknown names fail before any work
    for name in evaluators or ():
        plugins.evaluators.get(name)
    evaluators = list(evaluators) if evaluators is not None else plugins.evaluators.names()
    jobs = plan_jobs(encoders, seeds, first_seed=base.seed)
    plan = {
        "encoders": list(encoders),
        "seeds": seeds,
        "config": bench_config(base, jobs[0], evaluators).to_dict() | {"encoder": None},
    }
    check_settings(bench_config(base, jobs[0], evaluators))  # generator settings, cheaply
    fresh = not (out / PLAN_FILE).exists()
    created = not out.exists()
    _open_out(out, plan)
    try:
        return _run_jobs(base, jobs, out, train, on_job, evaluators, workers, emit)
    except Exception:
        # a new bench that failed before any checkpoint (bad data, ...) leaves nothing behind
        if fresh and not any((out / "runs").glob("*/checkpoints/*.pt")):
            remove_partial(out, created)
        raise


def run_one(config: TrainConfig, run_dir: Path, train: Trainer) -> dict[str, Any]:
    """Train (or resume, or read back) one job and add its encoding speed to its summary."""
    summary = dict(run_job(config, run_dir, train))
    if "encode_per_s" not in summary:
        summary["encode_per_s"] = measure_encoding(config)
        atomic.write_json(run_dir / SUMMARY_FILE, summary)
    return summary


def _plugins_reach_workers() -> bool:
    """False (with a warning) when a plugin registered at run time cannot be pickled."""
    from dnagan.bench.parallel import unpicklable_plugins

    if stuck := unpicklable_plugins():
        logger.warning(
            "plugins registered at run time cannot reach worker processes (%s): "
            "running the jobs one at a time", ", ".join(stuck),
        )
        return False
    return True


def _run_jobs(
    base: TrainConfig,
    jobs: Sequence[BenchJob],
    out: Path,
    train: Trainer,
    on_job: Callable[[BenchJob, int, int], None] | None,
    evaluators: Sequence[str],
    workers: int,
    emit: Callable[[str], None] | None,
) -> list[dict[str, Any]]:
    tasks = [(job.label, bench_config(base, job, evaluators), out / "runs" / job.label)
             for job in jobs]
    if workers > 1 and _plugins_reach_workers():
        from dnagan.bench.parallel import run_parallel

        starting = None if on_job is None else (lambda i: on_job(jobs[i], i, len(jobs)))
        summaries = run_parallel(tasks, workers, on_start=starting, emit=emit)
    else:
        summaries = []
        for index, (_, config, run_dir) in enumerate(tasks):
            if on_job is not None:
                on_job(jobs[index], index, len(jobs))
            summaries.append(run_one(config, run_dir, train))
    return [
        summary | {"encoder": job.encoder, "seed": job.seed}
        for job, summary in zip(jobs, summaries, strict=True)
    ]
