"""Helpers for testing dnagan and dnagan plugins.

``invoke_cli`` runs the command line in-process; ``registered_plugin`` registers a plugin object for
the duration of a ``with`` block; ``check_encoder`` is a conformance check for encoder plugins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from typer.testing import CliRunner

from dnagan.plugins import register_plugin, unregister_plugin


@dataclass
class CliResult:
    """Outcome of :func:`invoke_cli`."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def invoke_cli(args: Sequence[str]) -> CliResult:
    """Run ``dnagan ARGS`` in-process and capture its exit code, stdout and stderr."""
    from dnagan.cli import app, configure_logging

    configure_logging()
    result = CliRunner().invoke(app, list(args), prog_name="dnagan")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception)


@contextmanager
def registered_plugin(plugin: object, name: str = "test-plugin") -> Iterator[None]:
    """Register ``plugin`` (a module or an object with hook implementations) inside the block."""
    register_plugin(plugin, name)
    try:
        yield
    finally:
        unregister_plugin(name)
