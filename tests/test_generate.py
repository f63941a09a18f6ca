"""Generation: same sequence + same model -> bit-identical PNG; names never hold DNA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dnagan.dna import records_from_strings
from dnagan.errors import InputError
from dnagan.generation import load_model
from dnagan.plugins import reset_plugins
from dnagan.testing import registered_plugin
from dnagan.training.loop import train
from dnagan.training.tiny import TinyPlugin, tiny_config

SEQUENCES = ["ACGTACGTTTGACCA" * 4, "GGGCCCAAATTT" * 6, "ATGAAATAG" * 9]


@pytest.fixture(autouse=True)
def _tiny() -> Iterator[None]:
    with registered_plugin(TinyPlugin(), "tiny"):
        yield


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny run with the k-mer encoder."""
    reset_plugins()
    run_dir = tmp_path_factory.mktemp("run")
    with registered_plugin(TinyPlugin(), "tiny"):
        train(tiny_config("encoder=kmer"), run_dir)
    reset_plugins()
    return run_dir


def test_generation_is_deterministic_and_batch_independent(run: Path) -> None:
    records = records_from_strings(SEQUENCES)
    first = load_model(run).generate(records)
    again = load_model(run).generate(records)
    assert first.shape == (3, 32, 32, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again)
    alone = load_model(run).generate(records[1:2])
    assert np.array_equal(alone[0], first[1])
    assert not np.array_equal(first[0], first[1])


def test_generate_cli_writes_identical_pngs(run: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    args = ["generate", str(run), "--sequence", SEQUENCES[0], "--sequence", SEQUENCES[1]]
    first = cli(*args, "--out", str(tmp_path / "a"))
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == str(tmp_path / "a")
    second = cli(*args, "--out", str(tmp_path / "b"))
    assert second.exit_code == 0, second.stderr
    for name in ("seq1.png", "seq2.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    again = cli(*args, "--out", str(tmp_path / "a"))
    assert again.exit_code == 2 and "exists" in again.stderr
    assert SEQUENCES[0] not in again.stderr


def test_generate_cli_from_fasta(run: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">sample {i}/x\n{s}\n" for i, s in enumerate(SEQUENCES)))
    result = cli("generate", str(run), "--dna", str(fasta), "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.stderr
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert names == {"sample.png", "sample-2.png", "sample-3.png"}


def test_generate_rejects_unfinished_or_missing_runs(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("generate", str(tmp_path), "--sequence", "ACGT", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "no checkpoint" in result.stderr
    with pytest.raises(InputError):
        load_model(tmp_path)
