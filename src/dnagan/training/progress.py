"""A rich progress bar per stage on stderr: losses, images/s and ETA."""

from __future__ import annotations

from collections.abc import Mapping

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
        nan = float("nan")
        losses = (
            f"D {metrics.get('d_loss', nan):.3f} G {metrics.get('g_loss', nan):.3f}"
            f" {metrics.get('images_per_s', 0.0):.1f} img/s"
        )
        self.progress.update(self.task, completed=step, losses=losses)

    def end_stage(self, stage: int) -> None:
        """Close the stage's bar."""
        if self.progress is not None:
            self.progress.stop()
        self.progress, self.task = None, None

    def note(self, message: str) -> None:
        """Print a phase change."""
        self.console.print(f"[dim]{message}[/dim]")
