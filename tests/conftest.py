"""Shared fixtures: a clean plugin registry per test, the CLI runner, small generated data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dnagan.plugins import reset_plugins

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from freshly loaded plugins and no DNAGAN_PLUGINS restriction."""
    monkeypatch.delenv("DNAGAN_PLUGINS", raising=False)
    reset_plugins()
    yield
    reset_plugins()


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Invoke the CLI in-process: ``cli("plugins", "--json")`` -> (exit_code, stdout, stderr)."""
    from dnagan.testing import invoke_cli

    def run(*args: str, cwd: Path | None = None):  # type: ignore[no-untyped-def]
        old = os.getcwd()
        os.chdir(cwd or tmp_path)
        try:
            return invoke_cli(list(args))
        finally:
            os.chdir(old)

    return run
