"""Output locations that cannot be used: not empty, not writable, disk full.

Each is a clean ``error:`` line (exit 2) naming the path, and leaves no partial output: the
``--out`` path does not exist afterwards (or an existing folder is unchanged), and no temporary
file is left next to it. Disk full and read-only file systems are simulated by making the write
calls raise the matching ``OSError``.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    assert_clean_error,
    folder_state,
    read_only_folder,
    smoke_run,
)

SEQUENCE = "ACGT" * 40
QUICK_RUN = ("run", "--encoder", "average", "--preset", "smoke", "--evaluators", "none")


def _no_temporaries(folder: Path) -> None:
    leftovers = [p for p in folder.rglob(".*.tmp")] if folder.exists() else []
    assert not leftovers, f"temporary files left behind: {leftovers}"


def _fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, when: Any = None) -> None:
    """Make ``os.replace`` (the last step of every atomic write) raise ``OSError(code)``."""
    real = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if when is None or when(Path(dst)):
            raise OSError(code, os.strerror(code))
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


# --- encode ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fragment"),
    [(errno.ENOSPC, "no space left on device"), (errno.EROFS, "not writable"),
     (errno.EACCES, "not writable"), (errno.EIO, "cannot write")],
)
def test_encode_write_failure(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, fragment: str
) -> None:
    out = tmp_path / "out" / "features.npy"
    _fail_writes(monkeypatch, code)
    result = cli("encode", "--sequence", SEQUENCE, "--out", str(out))
    assert_clean_error(result, "features", fragment)
    assert not out.exists() and not out.with_name("features.ids.txt").exists()
    _no_temporaries(tmp_path)


@pytest.mark.parametrize("failing", ["features.npy", "features.ids.txt"])
def test_encode_disk_full_on_one_file_leaves_neither(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    out = tmp_path / "features.npy"
    _fail_writes(monkeypatch, errno.ENOSPC, when=lambda dst: dst.name == failing)
    result = cli("encode", "--sequence", SEQUENCE, "--out", str(out))
    assert_clean_error(result, failing, "no space left on device")
    assert not out.exists()
    assert not (tmp_path / "features.ids.txt").exists()
    _no_temporaries(tmp_path)


def test_encode_into_a_path_under_a_regular_file(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    out = blocker / "features.npy"
    result = cli("encode", "--sequence", SEQUENCE, "--out", str(out))
    assert_clean_error(result, str(out))
    assert blocker.read_text() == "not a folder"


def test_encode_into_a_read_only_folder(cli: Any, tmp_path: Path) -> None:
    folder = read_only_folder(tmp_path / "locked")
    try:
        result = cli("encode", "--sequence", SEQUENCE, "--out", str(folder / "f.npy"))
        assert_clean_error(result, "not writable")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# --- run ---------------------------------------------------------------------------------------


def test_run_into_a_folder_that_is_not_empty(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    before = folder_state(out)
    result = cli(*QUICK_RUN, "--out", str(out))
    assert_clean_error(result, str(out), "not empty")
    assert folder_state(out) == before


def test_run_into_a_path_that_is_a_file(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.write_text("a file")
    result = cli(*QUICK_RUN, "--out", str(out))
    assert_clean_error(result, str(out), "not a folder")
    assert out.read_text() == "a file"


def test_run_under_a_regular_file(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = cli(*QUICK_RUN, "--out", str(blocker / "run"))
    assert_clean_error(result, str(blocker / "run"))


def test_run_into_a_read_only_folder(cli: Any, tmp_path: Path) -> None:
    folder = read_only_folder(tmp_path / "locked")
    try:
        result = cli(*QUICK_RUN, "--out", str(folder / "run"))
        assert_clean_error(result, "cannot create folder")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_run_disk_full_is_a_clean_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    _fail_writes(monkeypatch, errno.ENOSPC)
    result = cli(*QUICK_RUN, "--out", str(out))
    assert_clean_error(result, "no space left on device")
    _no_temporaries(tmp_path)


@pytest.mark.parametrize("command", ["run", "bench"])
@pytest.mark.parametrize("problem", ["missing-dna", "empty-images"])
def test_bad_input_leaves_no_run_or_bench_folder(
    cli: Any, tmp_path: Path, problem: str, command: str
) -> None:
    out = tmp_path / "run"
    if problem == "missing-dna":
        extra: tuple[str, ...] = ("--dna", str(tmp_path / "absent.fa"))
    else:
        (tmp_path / "images").mkdir()
        extra = ("--images", str(tmp_path / "images"))
    bench = ("bench", "--preset", "smoke", "--encoders", "average")
    args = QUICK_RUN if command == "run" else bench
    result = cli(*args, *extra, "--out", str(out))
    assert_clean_error(result)
    assert not out.exists()


def test_run_killed_before_its_first_checkpoint_resumes_afresh(cli: Any, tmp_path: Path) -> None:
    import shutil

    import torch

    from dnagan.testing import registered_plugin
    from dnagan.training.tiny import TINY_OVERRIDES, TinyPlugin

    tiny = [arg for pair in TINY_OVERRIDES for arg in ("--set", pair)]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    with registered_plugin(TinyPlugin(), "tiny"):
        first = cli(*QUICK_RUN, *tiny, "--out", str(whole))
        assert first.exit_code == 0, first.stderr
        killed.mkdir()  # what a kill before the first checkpoint leaves behind
        shutil.copy(whole / "config.json", killed / "config.json")
        (killed / "metrics.jsonl").write_text('{"stage": 1, "step": 1}\n')
        resumed = cli("run", "--resume", str(killed))
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout.strip().splitlines()[-1] == str(killed)
    def losses(run: Path) -> list[tuple[Any, ...]]:
        rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        return [(r["stage"], r["step"], r.get("d_loss"), r.get("g_loss")) for r in rows]

    assert losses(killed) == losses(whole)  # the stale line is gone, the log starts afresh
    expected = torch.load(whole / "checkpoints" / "final.pt", weights_only=True)["stages"]
    got = torch.load(killed / "checkpoints" / "final.pt", weights_only=True)["stages"]
    for number in ("1", "2"):
        for name, tensor in expected[number]["generator"].items():
            assert torch.equal(tensor, got[number]["generator"][name]), name


def test_resume_of_a_folder_without_checkpoint_or_config(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    result = cli("run", "--resume", str(folder))
    assert_clean_error(result, "no checkpoint to resume", "config.json")
    assert list(folder.iterdir()) == []


# --- generate ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return smoke_run(tmp_path_factory)[0]


def test_generate_never_overwrites_an_image(cli: Any, tmp_path: Path, trained: Path) -> None:
    out = tmp_path / "images"
    out.mkdir()
    (out / "seq2.png").write_bytes(b"an older image")
    before = folder_state(out)
    result = cli("generate", str(trained), "--out", str(out),
                 "--sequence", SEQUENCE, "--sequence", SEQUENCE[::-1])
    assert_clean_error(result, "seq2.png", "exists")
    assert folder_state(out) == before


def test_generate_disk_full(
    cli: Any, tmp_path: Path, trained: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "images"
    _fail_writes(monkeypatch, errno.ENOSPC, when=lambda dst: dst.suffix == ".png")
    result = cli("generate", str(trained), "--out", str(out), "--sequence", SEQUENCE)
    assert_clean_error(result, "seq1.png", "no space left on device")
    assert not list(out.glob("*.png")) if out.exists() else True
    _no_temporaries(tmp_path)


def test_generate_under_a_regular_file(cli: Any, tmp_path: Path, trained: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = cli("generate", str(trained), "--out", str(blocker / "images"),
                 "--sequence", SEQUENCE)
    assert_clean_error(result, "images")
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("problem", ["missing", "empty", "not-finished"])
def test_generate_from_an_unusable_run_folder(
    cli: Any, tmp_path: Path, trained: Path, problem: str
) -> None:
    run = tmp_path / "run"
    if problem == "empty":
        run.mkdir()
    elif problem == "not-finished":
        (run / "checkpoints").mkdir(parents=True)
        (run / "checkpoints" / "latest.pt").write_bytes(
            (trained / "checkpoints" / "latest.pt").read_bytes())
        import torch

        state = torch.load(run / "checkpoints" / "latest.pt", weights_only=True)
        state["done"] = False
        torch.save(state, run / "checkpoints" / "latest.pt")
    out = tmp_path / "images"
    result = cli("generate", str(run), "--out", str(out), "--sequence", SEQUENCE)
    assert_clean_error(result, str(run))
    assert not out.exists()
