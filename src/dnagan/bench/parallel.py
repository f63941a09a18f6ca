"""Bench jobs in parallel worker processes, each with an equal share of the CPU threads.

Every job runs in a freshly spawned process (safe with CUDA and OpenMP): it trains or resumes,
measures its encoder's speed and sends back its summary, or a one-line error. Progress comes back
as plain lines over the same pipe, so a shared terminal stays readable and ``CliRunner`` sees it.
SIGINT/SIGTERM sent to the bench are forwarded to running jobs, which checkpoint and stop; the
bench then raises :class:`~dnagan.training.signals.Interrupted` and the same command resumes.
A failed job stops the others the same way (their checkpoints are kept) and its error is raised.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from dnagan import errors
from dnagan.errors import DnaganError
from dnagan.plugins import register_plugin, runtime_plugins
from dnagan.training.config import TrainConfig, config_from_dict, merge
from dnagan.training.signals import Interrupted, StopFlag

#: (label, config, run folder) of one job.
Task = tuple[str, TrainConfig, Path]

_POLL_S = 1.0


def default_workers(jobs: int, device: str | None) -> int:
    """Jobs to run at once: one per CPU core (at most one per job); one on a GPU."""
    if device not in (None, "auto", "cpu"):
        return 1
    if device == "auto":
        import torch

        if torch.cuda.is_available():
            return 1
    return max(1, min(jobs, os.cpu_count() or 1))


def worker_threads(workers: int) -> int:
    """CPU threads per worker: the cores shared equally, at least one."""
    return max(1, (os.cpu_count() or 1) // workers)


@dataclass
class _Running:
    index: int
    label: str
    process: BaseProcess
    connection: Connection


@dataclass
class _Outcome:
    """What a worker sends last: ``kind`` is ok, error, interrupted or crash."""

    kind: str
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    error_type: str = "DnaganError"
    exit_code: int = 2


def _picklable_plugins() -> dict[str, object]:
    kept = {}
    for name, plugin in runtime_plugins().items():
        try:
            pickle.dumps(plugin)
        except Exception:  # noqa: BLE001 - modules and closures stay in this process
            continue
        kept[name] = plugin
    return kept


def _worker(
    label: str,
    config_values: dict[str, Any],
    run_dir: str,
    plugins: dict[str, object],
    connection: Connection,
) -> None:
    """Body of a worker process: run one job and report over ``connection``."""
    from dnagan.bench.runner import run_one
    from dnagan.cli.app import one_line
    from dnagan.training.loop import train
    from dnagan.training.progress import LineReporter

    def emit(line: str) -> None:
        connection.send(("line", line))

    def train_job(config: TrainConfig, folder: Path, resume: bool) -> dict[str, Any]:
        return train(config, folder, resume=resume, reporter=LineReporter(label, emit))

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # outside training: stop cleanly
    try:
        for name, plugin in plugins.items():
            register_plugin(plugin, name)
        summary = run_one(config_from_dict(config_values), Path(run_dir), train_job)
        outcome = _Outcome("ok", summary=summary)
    except Interrupted as stop:
        outcome = _Outcome("interrupted", message=str(stop), exit_code=stop.exit_code)
    except KeyboardInterrupt:
        outcome = _Outcome("interrupted", message="interrupted", exit_code=130)
    except DnaganError as error:
        outcome = _Outcome(
            "error", message=one_line(error), error_type=type(error).__name__,
            exit_code=error.exit_code,
        )
    except BaseException:  # noqa: BLE001 - a bug: the parent re-raises it with this traceback
        outcome = _Outcome("crash", message=traceback.format_exc())
    connection.send(("done", outcome))
    connection.close()


@contextmanager
def _forwarding_signals(flag: StopFlag, running: Callable[[], list[_Running]]) -> Iterator[None]:
    """SIGINT/SIGTERM set ``flag`` and are passed on to every running worker."""

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.request(signum)
        _signal_workers(running(), signum)

    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def _signal_workers(workers: list[_Running], signum: int) -> None:
    for worker in workers:
        if worker.process.pid is not None and worker.process.is_alive():
            try:
                os.kill(worker.process.pid, signum)
            except ProcessLookupError:
                pass


def _as_error(label: str, outcome: _Outcome) -> BaseException:
    """The exception the bench raises for a failed job (a crash keeps the worker's traceback)."""
    if outcome.kind == "crash":
        return RuntimeError(f"bench job {label} crashed:\n{outcome.message}")
    kind = getattr(errors, outcome.error_type, None)
    if not (isinstance(kind, type) and issubclass(kind, DnaganError)):
        kind = DnaganError
    error = kind(f"bench job {label}: {outcome.message}")
    error.exit_code = outcome.exit_code
    return error


def run_parallel(
    tasks: Sequence[Task],
    workers: int,
    on_start: Callable[[int], None] | None = None,
    emit: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``tasks`` with at most ``workers`` at once; return their summaries in task order.

    Jobs whose config leaves ``threads`` at 0 get :func:`worker_threads` threads each.
    ``on_start(i)`` is called as task ``i`` starts; progress lines go to ``emit``.
    """
    context = multiprocessing.get_context("spawn")
    plugins = _picklable_plugins()
    threads = worker_threads(workers)
    pending = list(range(len(tasks)))
    running: list[_Running] = []
    summaries: dict[int, dict[str, Any]] = {}
    failure: BaseException | None = None
    stop = StopFlag()

    def start(index: int) -> None:
        label, config, run_dir = tasks[index]
        if not config.threads:
            config = merge(config, {"threads": threads}, where=f"bench job {label}")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker, name=f"dnagan-bench-{label}",
            args=(label, config.to_dict(), str(run_dir), plugins, sender),
        )
        if on_start is not None:
            on_start(index)
        process.start()
        sender.close()
        running.append(_Running(index, label, process, receiver))
        if stop.signum is not None:  # a signal arrived while it was starting
            _signal_workers(running[-1:], stop.signum)

    def finish(worker: _Running, outcome: _Outcome) -> None:
        nonlocal failure
        worker.process.join()
        running.remove(worker)
        if outcome.kind == "ok":
            summaries[worker.index] = outcome.summary
            return
        if outcome.kind == "interrupted" or stop.signum is not None:  # a stop's casualties too
            if not stop:
                stop.request(outcome.exit_code - 128)
        elif failure is None:
            failure = _as_error(worker.label, outcome)
        _signal_workers(running, signal.SIGINT)  # they checkpoint and stop

    with _forwarding_signals(stop, lambda: running):
        while pending or running:
            while pending and len(running) < workers and not stop and failure is None:
                start(pending.pop(0))
            if not running:
                break
            for connection in wait([w.connection for w in running], timeout=_POLL_S):
                worker = next(w for w in running if w.connection is connection)
                _receive(worker, emit, finish)
    if failure is not None:
        raise failure
    if stop.signum is not None:
        raise Interrupted(stop.signum, "bench interrupted")
    return [summaries[index] for index in range(len(tasks))]


def _receive(
    worker: _Running,
    emit: Callable[[str], None] | None,
    finish: Callable[[_Running, _Outcome], None],
) -> None:
    """Handle one message (or the end of the pipe) from ``worker``."""
    try:
        kind, payload = worker.connection.recv()
    except (EOFError, OSError):
        worker.process.join()
        code = worker.process.exitcode or 0
        if -code in (signal.SIGINT, signal.SIGTERM):
            finish(worker, _Outcome("interrupted", exit_code=128 - code))
        else:
            finish(worker, _Outcome("crash", message=f"worker exited with code {code}"))
        return
    if kind == "line":
        if emit is not None:
            emit(payload)
    else:
        finish(worker, payload)
