"""Graceful stop on SIGINT/SIGTERM: finish the current step, checkpoint, then exit 130/143."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Interrupted(Exception):
    """Training stopped on a signal after saving a checkpoint; ``exit_code`` is 128 + signal."""

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class StopFlag:
    """Set by a signal handler; the training loop polls it between steps."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None

    def request(self, signum: int) -> None:
        """Ask the loop to stop after its current step."""
        self.signum = signum


#: The signals that stop a run cleanly (a Ctrl-C, a cluster pre-emption).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], Any] | int


@contextmanager
def stop_signals_handled(handler: Handler) -> Iterator[None]:
    """SIGINT and SIGTERM go to ``handler`` (a function or ``signal.SIG_IGN``) inside the block,
    their previous handlers are restored after it (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """Route SIGINT and SIGTERM into ``flag`` inside the block (main thread only)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.request(signum)

    with stop_signals_handled(handler):
        yield flag
