"""Helpers for tests that build and install plugin packages without touching the shared venv.

A package is installed with ``pip --target`` into a temporary folder; in-process tests put that
folder on ``sys.path`` and subprocesses get it through ``PYTHONPATH``. Entry points are found there
just as in site-packages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def install_package(source: Path, target: Path) -> None:
    """``pip install --no-deps --no-build-isolation --target TARGET SOURCE`` (offline)."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail(
            "hatchling is not installed in the test environment; it builds plugin packages "
            "(pip install --no-build-isolation) and belongs in dnagan's dev extras"
        )
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--disable-pip-version-check", "--target", str(target), str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"installing {source.name} failed:\n{done.stdout}\n{done.stderr}")


def environment(site: Path | None = None) -> dict[str, str]:
    """The current environment with ``site`` first on PYTHONPATH and no DNAGAN_PLUGINS limit."""
    env = dict(os.environ)
    env.pop("DNAGAN_PLUGINS", None)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return env


def run_python(
    args: Sequence[str], site: Path | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` with the test environment's interpreter."""
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment(site), capture_output=True, text=True,
        check=False, timeout=timeout,
    )


def listed(plugins_json: str, kind: str) -> dict[str, Any]:
    """``dnagan plugins --json`` output -> {name: entry} for ``kind`` (encoders, ...)."""
    return {entry["name"]: entry for entry in json.loads(plugins_json)[kind]}


def failures_of(plugins_json: str, plugin: str) -> list[str]:
    """Load failures reported for ``plugin`` in ``dnagan plugins --json`` output."""
    return [e["error"] for e in json.loads(plugins_json)["errors"] if e["plugin"] == plugin]
