"""Security: no code runs from a downloaded file, and no write escapes its output folder.

Checkpoints load with ``torch.load(weights_only=True)``; caches are ``.npy``/``.npz`` read with
``allow_pickle=False``. A malicious pickle (a class whose ``__reduce__`` writes a marker file) is
refused by ``dnagan generate``, ``dnagan run --resume``, the FID statistics cache and the image
cache without running its payload. Names taken from data (record ids) are sanitised, so files
written by ``generate`` and a run's ``samples/`` stay inside their folder.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from reliability_support import assert_clean_error, folder_state, smoke_run

ROOT = Path(__file__).resolve().parents[1]
SEQUENCE = "ACGT" * 40


class Payload:
    """Pickles to a call that creates ``target`` when unpickled (the attack)."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.target,))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return smoke_run(tmp_path_factory)[0]


def _copy_run(trained: Path, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    return run


def _poison(run: Path, marker: Path) -> None:
    """Replace every checkpoint of ``run`` with a dict holding the payload."""
    for name in ("final.pt", "latest.pt"):
        torch.save({"config": {}, "done": True, "evil": Payload(marker)},
                   run / "checkpoints" / name)


# --- malicious checkpoints -------------------------------------------------------------------


def test_generate_never_runs_a_pickled_payload(cli: Any, tmp_path: Path, trained: Path) -> None:
    run, marker = _copy_run(trained, tmp_path), tmp_path / "PWNED"
    _poison(run, marker)
    result = cli("generate", str(run), "--out", str(tmp_path / "images"), "--sequence", SEQUENCE)
    assert result.exit_code != 0
    assert not marker.exists(), "the checkpoint's payload ran"
    assert not (tmp_path / "images").exists()


def test_resume_never_runs_a_pickled_payload(cli: Any, tmp_path: Path, trained: Path) -> None:
    run, marker = _copy_run(trained, tmp_path), tmp_path / "PWNED"
    _poison(run, marker)
    result = cli("run", "--resume", str(run))
    assert result.exit_code != 0
    assert not marker.exists(), "the checkpoint's payload ran"


@pytest.mark.parametrize("command", ["generate", "resume"])
def test_malicious_checkpoint_is_a_clean_refusal(
    cli: Any, tmp_path: Path, trained: Path, command: str
) -> None:
    run, marker = _copy_run(trained, tmp_path), tmp_path / "PWNED"
    _poison(run, marker)
    if command == "generate":
        result = cli("generate", str(run), "--out", str(tmp_path / "o"), "--sequence", SEQUENCE)
    else:
        result = cli("run", "--resume", str(run))
    message = assert_clean_error(result, "checkpoint")
    assert "weights_only=False" not in message
    assert not marker.exists()


@pytest.mark.parametrize(
    "damage",
    ["empty", "truncated", "junk", "not-a-dict"],
)
def test_damaged_checkpoint_is_a_clean_error(
    cli: Any, tmp_path: Path, trained: Path, damage: str
) -> None:
    run = _copy_run(trained, tmp_path)
    target = run / "checkpoints" / "final.pt"
    data = target.read_bytes()
    if damage == "empty":
        target.write_bytes(b"")
    elif damage == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "junk":
        target.write_bytes(b"junk" * 100)
    else:
        torch.save([1, 2, 3], target)
    result = cli("generate", str(run), "--out", str(tmp_path / "o"), "--sequence", SEQUENCE)
    assert_clean_error(result, "final.pt")
    assert not (tmp_path / "o").exists()


def test_checkpoint_missing_entries_is_a_clean_error(
    cli: Any, tmp_path: Path, trained: Path
) -> None:
    run = _copy_run(trained, tmp_path)
    state = torch.load(run / "checkpoints" / "final.pt", weights_only=True)
    torch.save({"config": state["config"], "done": True}, run / "checkpoints" / "final.pt")
    result = cli("generate", str(run), "--out", str(tmp_path / "o"), "--sequence", SEQUENCE)
    assert_clean_error(result, "final.pt")


# --- malicious caches ------------------------------------------------------------------------


def _pickled_npz(marker: Path, **arrays: Any) -> bytes:
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    buffer = io.BytesIO()
    np.savez(buffer, mu=evil, sigma=evil, features=evil, **arrays)
    return buffer.getvalue()


def test_cached_fid_statistics_with_a_pickle_are_ignored(tmp_path: Path) -> None:
    from dnagan.evaluation.statistics import load_real_set

    marker, path = tmp_path / "PWNED", tmp_path / "stats.npz"
    path.write_bytes(_pickled_npz(marker, n=np.int64(1), key=np.str_("k")))
    assert load_real_set(path, "k", 2048) is None
    assert not marker.exists()


@pytest.mark.parametrize("problem", ["key-mismatch", "wrong-shape", "nan"])
def test_cached_fid_statistics_are_validated(tmp_path: Path, problem: str) -> None:
    from dnagan.evaluation.statistics import load_real_set

    dims, n = 8, 4
    mu, sigma, features = np.zeros(dims), np.eye(dims), np.zeros((n, dims))
    key = "expected"
    if problem == "key-mismatch":
        key = "other"
    elif problem == "wrong-shape":
        sigma = np.eye(dims + 1)
    else:
        mu = mu.copy()
        mu[3] = np.nan
    path = tmp_path / "stats.npz"
    np.savez(path, mu=mu, sigma=sigma, features=features, n=np.int64(n), key=np.str_(key))
    assert load_real_set(path, "expected", dims) is None


def test_fid_command_refuses_a_pickled_statistics_file(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Stub:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

    monkeypatch.setattr("dnagan.evaluation.inception.InceptionFeatures", Stub)
    marker, stats = tmp_path / "PWNED", tmp_path / "evil.npz"
    stats.write_bytes(_pickled_npz(marker))
    result = cli("fid", str(stats), str(stats), "--device", "cpu")
    assert_clean_error(result, "evil.npz")
    assert not marker.exists()


def test_image_cache_with_a_pickle_is_ignored(tmp_path: Path) -> None:
    from dnagan import image_cache

    marker, path = tmp_path / "PWNED", tmp_path / "cache.npy"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    np.save(path, evil, allow_pickle=True)
    assert image_cache.load_cached(path, 16, 10) is None
    assert not marker.exists()


_UNSAFE_LOADS = [
    (re.compile(r"torch\.load\((?![^)]*weights_only=True)"),
     "torch.load without weights_only=True"),
    (re.compile(r"np\.load\((?![^)]*allow_pickle=False)"), "np.load without allow_pickle=False"),
    (re.compile(r"\bpickle\.loads?\(|\bdill\.|\bjoblib\.load\("), "pickle/joblib load"),
]


def test_every_load_in_the_code_is_a_safe_one() -> None:
    problems = []
    for folder in ("src", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for pattern, what in _UNSAFE_LOADS:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, "\n".join(problems)


# --- names from data never escape the output folder -------------------------------------------

HOSTILE_IDS = [
    "../../etc/x", "..", ".", "/etc/passwd", "/", "a/b/c", "..\\..\\win", "x" * 300,
    "ünïcödé-名前", "CON", "-rf", ".hidden", "seq1", "SEQ1", "~user", "$HOME", "a\tb",
]


def _hostile_fasta(path: Path) -> Path:
    lines = [f">{rid} description\n{SEQUENCE}\n" for rid in HOSTILE_IDS]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _assert_contained(files: list[Path], folder: Path, expected: int) -> None:
    assert len(files) == expected, [p.name for p in files]
    for file in files:
        assert file.resolve().parent == folder.resolve(), file
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,120}\.png", file.name), file.name
        assert not file.name.startswith("."), file.name


def test_generate_names_from_record_ids_stay_inside(
    cli: Any, tmp_path: Path, trained: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dna = _hostile_fasta(work / "hostile.fa")
    out = work / "deep" / "images"
    before = folder_state(tmp_path)
    result = cli("generate", str(trained), "--dna", str(dna), "--out", str(out), cwd=work)
    assert result.exit_code == 0, result.stdout + result.stderr
    after = folder_state(tmp_path)
    new = sorted(set(after) - set(before))
    assert all(name.startswith("work/deep/images/") for name in new), new
    _assert_contained(sorted(out.iterdir()), out, len(HOSTILE_IDS))
    assert not Path("/etc/x.png").exists()


class _FakeModel:
    """Enough of :class:`dnagan.generation.Model` for ``write_samples``."""

    def generate(self, records: Any) -> np.ndarray:
        return np.zeros((len(records), 8, 8, 3), dtype=np.uint8)

    def metadata(self) -> dict[str, str]:
        return {"encoder": "fake", "model": "0" * 16, "dnagan": "test"}


def test_run_sample_names_from_record_ids_stay_inside(tmp_path: Path) -> None:
    from dnagan.dna import Record
    from dnagan.generation import write_samples

    records = [Record(rid, SEQUENCE) for rid in HOSTILE_IDS]
    samples = tmp_path / "run" / "samples"
    paths = write_samples(_FakeModel(), records, samples)  # type: ignore[arg-type]
    _assert_contained(sorted(samples.iterdir()), samples, len(HOSTILE_IDS))
    assert sorted(paths) == sorted(samples.iterdir())
    assert sorted(os.listdir(tmp_path)) == ["run"]
    assert sorted(os.listdir(tmp_path / "run")) == ["samples"]
