"""Shared helpers of the reliability tests (bad input, security, privacy, faults).

``assert_clean_error`` states the contract every user error honours: exit code 2, one line on
stderr starting with ``error:``, no traceback and no uncaught exception. ``smoke_run`` trains one
small run per test session (reused by the security and privacy tests) with a DNA file that holds
a marker sequence.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

#: A fixed 200-base marker sequence (random bases, seeded) that must never leak anywhere.
MARKER = "".join(np.random.default_rng(20261204).choice(list("ACGT"), size=200))
MARKER_ID = "marker_read"


def assert_clean_error(result: Any, *fragments: str) -> str:
    """Assert a CLI result is a clean user error; return its message (without ``error: ``)."""
    text = result.stdout + result.stderr
    assert result.exception is None, f"uncaught {result.exception!r}\n{text}"
    assert "Traceback" not in text, text
    assert result.exit_code == 2, f"exit code {result.exit_code}\n{text}"
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, f"expected one 'error:' line on stderr, got:\n{result.stderr}"
    message = lines[0].removeprefix("error: ")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), to prove a folder is unchanged."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def writes_are_blocked(folder: Path) -> bool:
    """Whether ``folder``'s permissions really stop this process writing (not so for root)."""
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return True
    probe.unlink()
    return False


def read_only_folder(folder: Path) -> Path:
    """Make ``folder`` read-only (0o500); skip the test when permissions do not bind (root)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o500)
    if not writes_are_blocked(folder):
        folder.chmod(0o700)
        pytest.skip("running as root: file permissions do not stop writes here")
    return folder


def write_marker_fasta(path: Path, reads: int = 40) -> Path:
    """A FASTA of simulated 150-base reads plus the marker record, shuffled in by position."""
    from dnagan.synthetic.reads import default_corpus

    records = [(r.id, r.sequence) for r in default_corpus(count=reads, seed=3)]
    records.insert(reads // 2, (MARKER_ID, MARKER))
    path.write_text("".join(f">{rid}\n{seq}\n" for rid, seq in records), encoding="ascii")
    return path


#: Overrides that shrink the smoke preset further (2 + 2 steps, tiny batches, 8 evaluation
#: samples) and use the ``determinism`` evaluator (it generates images from held-out DNA) instead
#: of Inception-based metrics, so no FID weights are needed.
SMOKE_SETS = (
    "--set", "evaluators=determinism", "--set", "stage1_evaluators=none",
    "--set", "stage1.steps=2", "--set", "stage2.steps=2",
    "--set", "stage1.batch_size=4", "--set", "stage2.batch_size=2", "--set", "eval_samples=8",
)
#: Arguments of the session's trained smoke run.
SMOKE_ARGS = ("--preset", "smoke", "--encoder", "average", *SMOKE_SETS)

_RUNS: dict[str, Any] = {}


class LogLines:
    """Collects the messages logged to the ``dnagan`` logger inside a ``with`` block."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._handler = logging.Handler()
        self._handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]

    def __enter__(self) -> LogLines:
        logging.getLogger("dnagan").addHandler(self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("dnagan").removeHandler(self._handler)


def smoke_run(factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A finished smoke run trained on the marker FASTA, once per session: (run folder, result)."""
    if "run" not in _RUNS:
        from dnagan.testing import invoke_cli

        base = factory.mktemp("smoke-run")
        dna = write_marker_fasta(base / "reads.fa")
        run_dir = base / "run"
        with LogLines() as logs:
            result = invoke_cli(["run", *SMOKE_ARGS, "--dna", str(dna), "--out", str(run_dir)])
        assert result.exit_code == 0, result.stdout + result.stderr + repr(result.exception)
        _RUNS["run"] = (run_dir, result, logs.messages)
    run_dir, result, _messages = _RUNS["run"]
    return run_dir, result


def smoke_run_logs(factory: pytest.TempPathFactory) -> list[str]:
    """What the session's smoke run logged (its printed text is in ``smoke_run(...)[1]``)."""
    smoke_run(factory)
    return list(_RUNS["run"][2])
