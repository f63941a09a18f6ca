"""``dnagan run``: run folders, overrides, errors listing valid names, resume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dnagan.testing import registered_plugin
from dnagan.training.tiny import TINY_OVERRIDES, TinyPlugin

TINY = [arg for pair in TINY_OVERRIDES for arg in ("--set", pair)]
FLAGGED = ("stage1.steps", "stage2.steps", "stage1.batch_size", "stage2.batch_size")
TINY_UNSET = [
    arg for pair in TINY_OVERRIDES if not pair.startswith(FLAGGED) for arg in ("--set", pair)
]


@pytest.fixture(autouse=True)
def _tiny() -> Iterator[None]:
    with registered_plugin(TinyPlugin(), "tiny"):
        yield


def test_run_prints_numbered_folder_last(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "--encoder", "sgt", "--preset", "smoke", *TINY_UNSET, "--steps1", "3",
                 "--steps2", "2", "--batch-size", "4", "--seed", "5")
    assert result.exit_code == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last == str(Path("runs") / "00000-sgt-smoke")
    run = tmp_path / last
    config = json.loads((run / "config.json").read_text())
    assert config["seed"] == 5 and config["stage1"]["steps"] == 3
    assert config["stage1"]["batch_size"] == config["stage2"]["batch_size"] == 4
    assert (run / "checkpoints" / "final.pt").is_file()
    assert "stage 1" in result.stderr
    again = cli("run", "--encoder", "sgt", "--preset", "smoke", *TINY)
    assert again.stdout.strip().splitlines()[-1].endswith("00001-sgt-smoke")


def test_config_file_and_out(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    toml = tmp_path / "c.toml"
    toml.write_text("[stage2]\nsteps = 1\n")
    out = tmp_path / "myrun"
    result = cli("run", "-e", "average", "--preset", "smoke", *TINY_UNSET, "--config", str(toml),
                 "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    assert json.loads((out / "config.json").read_text())["stage2"]["steps"] == 1
    again = cli("run", "-e", "average", "--preset", "smoke", *TINY, "--out", str(out))
    assert again.exit_code == 2 and "not empty" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--encoder", "nope"], "unknown encoder 'nope' (valid: average, "),
        (["--encoder", "average", "--preset", "fast"], "valid: paper, quick, smoke"),
        (["--encoder", "average", "--set", "generator=nope"], "unknown generator 'nope'"),
        (["--encoder", "average", "--evaluators", "nope"], "unknown evaluator 'nope'"),
        (["--encoder", "average", "--steps1", "0"], "steps must be positive"),
        (["--encoder", "average", "--set", "bogus=1"], "unknown option 'bogus'"),
        (["--encoder", "kmer", "-o", "k=0"], "encoder 'kmer'"),
        ([], "--encoder is required"),
        (["--resume", "nowhere"], "no checkpoint to resume"),
    ],
)
def test_errors_exit_2_before_creating_a_run(
    cli, tmp_path: Path, args: list[str], message: str  # type: ignore[no-untyped-def]
) -> None:
    result = cli("run", *args)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert not any((tmp_path / "runs").glob("*")) if (tmp_path / "runs").exists() else True


def test_resume_from_cli_after_a_finished_run(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r"
    first = cli("run", "-e", "average", "--preset", "smoke", *TINY, "--out", str(out))
    assert first.exit_code == 0, first.stderr
    resumed = cli("run", "--resume", str(out))
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout.strip().splitlines()[-1] == str(out)
