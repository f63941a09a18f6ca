"""Bench jobs in parallel worker processes, each with an equal share of the CPU threads.

Every job runs in a freshly spawned process (safe with CUDA and OpenMP): it trains or resumes,
measures its encoder's speed and sends back its summary, or its error. Progress comes back as
plain lines over the same pipe, so a shared terminal stays readable and ``CliRunner`` sees it.
SIGINT/SIGTERM sent to the bench (or to the whole process group, as Ctrl-C does) make running jobs
checkpoint and stop; the bench then raises :class:`~dnagan.training.signals.Interrupted` and the
same command resumes. A failed job stops the others the same way (their checkpoints are kept) and
its error is raised, prefixed with the job's name.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from dnagan.devices import THREADS_ENV
from dnagan.errors import DnaganError
from dnagan.plugins import runtime_plugins
from dnagan.training.config import TrainConfig
from dnagan.training.signals import (
    STOP_SIGNALS,
    Interrupted,
    StopFlag,
    stop_signals_handled,
)

logger = logging.getLogger("dnagan")

#: (label, config, run folder) of one job.
Task = tuple[str, TrainConfig, Path]

_POLL_S = 1.0
_JOIN_S = 60.0


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


def unpicklable_plugins() -> list[str]:
    """Names of plugins registered at run time that cannot be sent to a worker process."""
    names = []
    for name, plugin in runtime_plugins().items():
        try:
            pickle.dumps(plugin)
        except Exception:  # noqa: BLE001 - modules, closures, local classes
            names.append(name)
    return names


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
    error_class: str = "dnagan.errors:DnaganError"
    exit_code: int = 2


# ------------------------------------------------------------------ worker process


class _FirstSignal:
    """Worker signal handler: the first SIGINT/SIGTERM raises KeyboardInterrupt, later ones are
    ignored (a terminal's Ctrl-C and the bench's forwarded copy arrive together)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
            raise KeyboardInterrupt


def _class_path(error: DnaganError) -> str:
    """``module:QualName`` of the error's class, so the bench can raise the same kind."""
    return f"{type(error).__module__}:{type(error).__qualname__}"


def _error_class(path: str) -> type[DnaganError]:
    """The :class:`DnaganError` subclass named by :func:`_class_path` (else DnaganError)."""
    module_name, _, qualname = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except Exception:  # noqa: BLE001 - a class defined where this process cannot see it
        return DnaganError
    return found if isinstance(found, type) and issubclass(found, DnaganError) else DnaganError


def _worker(
    label: str,
    config_values: dict[str, Any],
    run_dir: str,
    plugins: dict[str, object],
    threads: int,
    connection: Connection,
) -> None:
    """Body of a worker process: run one job and report over ``connection``.

    Starts with SIGINT/SIGTERM ignored (inherited from the bench) until its handler is in place.
    """
    first = _FirstSignal()
    for signum in STOP_SIGNALS:
        signal.signal(signum, first)
    os.environ[THREADS_ENV] = str(threads)
    try:
        outcome = _run_in_worker(label, config_values, Path(run_dir), plugins, connection)
    except KeyboardInterrupt:
        outcome = _Outcome("interrupted", exit_code=128 + (first.signum or signal.SIGINT))
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # nothing may interrupt the last message
    connection.send(("done", outcome))
    connection.close()


def _run_in_worker(
    label: str,
    config_values: dict[str, Any],
    run_dir: Path,
    plugins: dict[str, object],
    connection: Connection,
) -> _Outcome:
    from dnagan.bench.runner import run_one
    from dnagan.cli.app import one_line
    from dnagan.plugins import register_plugin
    from dnagan.training.config import config_from_dict
    from dnagan.training.loop import train
    from dnagan.training.progress import LineReporter

    def emit(line: str) -> None:
        connection.send(("line", line))

    def train_job(config: TrainConfig, folder: Path, resume: bool) -> dict[str, Any]:
        return train(config, folder, resume=resume, reporter=LineReporter(label, emit))

    try:
        for name, plugin in plugins.items():
            register_plugin(plugin, name)
        return _Outcome("ok", summary=run_one(config_from_dict(config_values), run_dir, train_job))
    except Interrupted as stop:
        return _Outcome("interrupted", exit_code=stop.exit_code)
    except DnaganError as error:
        return _Outcome(
            "error", message=one_line(error), error_class=_class_path(error),
            exit_code=error.exit_code,
        )
    except Exception:  # noqa: BLE001 - a bug: the bench re-raises it with this traceback
        return _Outcome("crash", message=traceback.format_exc())


# ------------------------------------------------------------------ bench process


def _forwarding_signals(
    flag: StopFlag, running: Callable[[], list[_Running]]
) -> AbstractContextManager[None]:
    """SIGINT/SIGTERM set ``flag`` and are passed on to every running worker (main thread only;
    elsewhere signals keep their handlers and the workers still get a terminal's Ctrl-C)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.request(signum)
        _signal_workers(running(), signum)

    return stop_signals_handled(handler)


def _signal_workers(workers: list[_Running], signum: int) -> None:
    for worker in workers:
        if worker.process.pid is not None and worker.process.is_alive():
            try:
                os.kill(worker.process.pid, signum)
            except ProcessLookupError:
                pass


def _reap(workers: list[_Running]) -> None:
    """Stop, wait for and close ``workers`` (SIGINT, then SIGKILL after a grace period)."""
    _signal_workers(workers, signal.SIGINT)
    for worker in workers:
        worker.process.join(_JOIN_S)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.connection.close()


def _as_error(label: str, outcome: _Outcome) -> BaseException:
    """The exception the bench raises for a failed job (a crash keeps the worker's traceback)."""
    if outcome.kind == "crash":
        return RuntimeError(f"bench job {label} crashed:\n{outcome.message}")
    message = f"bench job {label}: {outcome.message}"
    try:
        error = _error_class(outcome.error_class)(message)
    except Exception:  # noqa: BLE001 - a constructor that wants more than a message
        error = DnaganError(message)
    error.exit_code = outcome.exit_code
    return error


def _lost(worker: _Running) -> _Outcome:
    """The outcome of a worker whose pipe closed before its last message."""
    worker.process.join(_JOIN_S)
    code = worker.process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return _Outcome(
            "error", exit_code=128 - code,
            message=f"worker process killed by {name} (out of memory?); "
            "run the same command again to resume",
        )
    return _Outcome("crash", message=f"worker process exited with code {code}")


def run_parallel(
    tasks: Sequence[Task],
    workers: int,
    on_start: Callable[[int], None] | None = None,
    emit: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``tasks`` with at most ``workers`` at once; return their summaries in task order.

    Each worker trains with :func:`worker_threads` threads unless the job's config fixes
    ``threads``; the thread count is not written into the run's config. ``on_start(i)`` is
    called as task ``i`` starts; progress lines go to ``emit``.
    """
    workers = max(1, min(workers, len(tasks)))
    context = multiprocessing.get_context("spawn")
    plugins = dict(runtime_plugins())
    threads = worker_threads(workers)
    pending = list(range(len(tasks)))
    running: list[_Running] = []
    summaries: dict[int, dict[str, Any]] = {}
    failure: BaseException | None = None
    stop = StopFlag()

    def start(index: int) -> None:
        label, config, run_dir = tasks[index]
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker, name=f"dnagan-bench-{label}",
            args=(label, config.to_dict(), str(run_dir), plugins, threads, sender),
        )
        if on_start is not None:
            on_start(index)
        # ignored while the worker starts: it inherits that through exec, so a signal during its
        # start-up (importing torch) cannot kill it with a traceback; the bench keeps re-sending
        # a stop until the worker's own handler is in place
        with stop_signals_handled(signal.SIG_IGN):
            process.start()
        sender.close()
        running.append(_Running(index, label, process, receiver))

    def finish(worker: _Running, outcome: _Outcome) -> None:
        nonlocal failure
        worker.process.join(_JOIN_S)
        worker.connection.close()
        running.remove(worker)
        if outcome.kind == "ok":
            summaries[worker.index] = outcome.summary
            return
        casualty = outcome.kind == "crash" and stop.signum is not None
        if outcome.kind == "interrupted" or casualty:
            if stop.signum is None:
                stop.request(outcome.exit_code - 128)
        elif failure is None:
            failure = _as_error(worker.label, outcome)
        _signal_workers(running, signal.SIGINT)  # they checkpoint and stop

    try:
        with _forwarding_signals(stop, lambda: running):
            while pending or running:
                while pending and len(running) < workers and not stop and failure is None:
                    start(pending.pop(0))
                if not running:
                    break
                if stop or failure is not None:  # repeat: a worker may still have been starting
                    _signal_workers(running, signal.SIGINT)
                for connection in wait([w.connection for w in running], timeout=_POLL_S):
                    worker = next(w for w in running if w.connection is connection)
                    _receive(worker, emit, finish)
    finally:
        _reap(running)  # only left on an error in this loop: never leave workers behind
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
        finish(worker, _lost(worker))
        return
    if kind == "line":
        if emit is not None:
            emit(payload)
    else:
        finish(worker, payload)
