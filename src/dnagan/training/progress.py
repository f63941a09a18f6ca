"""Training progress: a rich bar per stage on stderr, or plain lines for parallel jobs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def loss_text(metrics: Mapping[str, float]) -> str:
    """``D 0.812 G 1.034 12.5 img/s`` from the latest logged values."""
    nan = float("nan")
    return (
        f"D {metrics.get('d_loss', nan):.3f} G {metrics.get('g_loss', nan):.3f}"
        f" {metrics.get('images_per_s', 0.0):.1f} img/s"
    )


class RichReporter:
    """Implements :class:`dnagan.training.loop.Reporter` with one rich Progress per stage."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def start_stage(self, stage: int, total: int, completed: int) -> None:
        """Open a progress bar for ``stage``."""
        self.progress = Progress(
            TextColumn(f"stage {stage}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[losses]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task("train", total=total, completed=completed, losses="")

    def advance(self, stage: int, step: int, metrics: Mapping[str, float]) -> None:
        """Move the bar to ``step`` and show the latest losses and throughput."""
        if self.progress is None or self.task is None:
            return
        self.progress.update(self.task, completed=step, losses=loss_text(metrics))

    def end_stage(self, stage: int) -> None:
        """Close the stage's bar."""
        if self.progress is not None:
            self.progress.stop()
        self.progress, self.task = None, None

    def note(self, message: str) -> None:
        """Print a phase change."""
        self.console.print(f"[dim]{message}[/dim]")


class LineReporter:
    """Implements :class:`dnagan.training.loop.Reporter` as plain ``label: ...`` lines.

    For jobs that share one terminal (parallel bench workers): a line when a stage starts, at
    every tenth of it and when it ends, and one per phase change, each handed to ``emit``.
    """

    def __init__(self, label: str, emit: Callable[[str], None], parts: int = 10) -> None:
        self.label = label
        self.emit = emit
        self.parts = parts
        self.total = 0
        self.shown = 0

    def start_stage(self, stage: int, total: int, completed: int) -> None:
        """Announce ``stage`` (resumed at ``completed`` when non-zero)."""
        self.total, self.shown = total, completed * self.parts // max(total, 1)
        resumed = f" (resumed at {completed})" if completed else ""
        self.emit(f"{self.label}: stage {stage}, {total} steps{resumed}")

    def advance(self, stage: int, step: int, metrics: Mapping[str, float]) -> None:
        """Emit a line each time another tenth of the stage is done."""
        part = step * self.parts // max(self.total, 1)
        if part <= self.shown:
            return
        self.shown = part
        self.emit(f"{self.label}: stage {stage} {step}/{self.total} {loss_text(metrics)}")

    def end_stage(self, stage: int) -> None:
        """Nothing to close."""

    def note(self, message: str) -> None:
        """Emit a phase change."""
        self.emit(f"{self.label}: {message}")
