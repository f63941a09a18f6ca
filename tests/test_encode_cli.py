"""``dnagan encode``: outputs, options, chunking, and one-line errors with no partial output."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dnagan import Encoder, hookimpl
from dnagan.testing import registered_plugin

SECRET = "GATTACAGATTACAGATTACA"


def random_reads(count: int, length: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    return [(f"read{i}", "".join(rng.choice(list("ACGT"), size=length))) for i in range(count)]


def write_fastq(path: Path, reads: list[tuple[str, str]]) -> Path:
    text = "".join(f"@{rid}\n{seq}\n+\n{'F' * len(seq)}\n" for rid, seq in reads)
    path.write_bytes(gzip.compress(text.encode()))
    return path


@pytest.fixture
def reads_file(tmp_path: Path) -> Path:
    return write_fastq(tmp_path / "reads.fq.gz", random_reads(10, 150))


@pytest.mark.parametrize(("encoder", "dim"), [("average", 128), ("kmer", 256), ("sgt", 16)])
def test_encode_each_encoder(
    cli: Any, tmp_path: Path, reads_file: Path, encoder: str, dim: int
) -> None:
    result = cli("encode", "--encoder", encoder, str(reads_file), "--out", "out/f.npy")
    assert result.exit_code == 0, result.stderr
    features = np.load(tmp_path / "out" / "f.npy")
    assert features.shape == (10, dim) and features.dtype == np.float32
    ids = (tmp_path / "out" / "f.ids.txt").read_text().split()
    assert ids == [f"read{i}" for i in range(10)]
    assert f"encoded 10 samples x {dim} features with '{encoder}'" in result.stdout


def test_chunking_gives_identical_output(cli: Any, tmp_path: Path) -> None:
    path = write_fastq(tmp_path / "r.fq.gz", random_reads(11, 40, seed=2))
    assert cli("encode", "-e", "sgt", str(path), "--out", "a.npy").exit_code == 0
    assert (
        cli("encode", "-e", "sgt", str(path), "--out", "b.npy", "--chunk-size", "3").exit_code == 0
    )
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_encoder_options_and_sequences(cli: Any, tmp_path: Path) -> None:
    result = cli(
        "encode",
        "-e",
        "kmer",
        "-o",
        "k=3",
        "-o",
        "canonical=true",
        "--sequence",
        "ACGTACGT",
        "--sequence",
        "ttgacc",
        "--out",
        "k.npy",
    )
    assert result.exit_code == 0, result.stderr
    assert np.load(tmp_path / "k.npy").shape == (2, 32)
    assert (tmp_path / "k.ids.txt").read_text() == "seq1\nseq2\n"


def test_grouping_makes_short_reads_long_enough(cli: Any, tmp_path: Path) -> None:
    path = write_fastq(tmp_path / "r72.fq.gz", random_reads(5, 72))
    failed = cli("encode", "-e", "average", str(path), "--out", "a.npy")
    assert failed.exit_code == 2
    assert "record 'read0' (sample 1) has length 72, shorter than windows=128" in failed.stderr
    assert "--group" in failed.stderr
    grouped = cli("encode", "-e", "average", str(path), "--group", "2", "--out", "a.npy")
    assert grouped.exit_code == 0, grouped.stderr
    assert np.load(tmp_path / "a.npy").shape == (2, 128)
    assert (tmp_path / "a.ids.txt").read_text().split() == ["read0+1", "read2+1"]


def test_short_read_in_later_chunk_is_named(cli: Any, tmp_path: Path) -> None:
    reads = random_reads(7, 150)
    reads[5] = ("shorty", reads[5][1][:50])
    path = write_fastq(tmp_path / "r.fq.gz", reads)
    result = cli("encode", str(path), "--out", "a.npy", "--chunk-size", "2")
    assert result.exit_code == 2
    assert "'shorty' (sample 6) has length 50" in result.stderr


def test_ambiguity_and_strict_options(cli: Any, tmp_path: Path) -> None:
    fasta = tmp_path / "g.fa"
    fasta.write_text(">g1\nATGAAANNNTAA\n>g2\nATGCCCTGA\n")
    assert cli("encode", "-e", "sgt", str(fasta), "--out", "x.npy").exit_code == 2
    skip = cli("encode", "-e", "sgt", str(fasta), "--ambiguity", "skip", "--out", "x.npy")
    assert skip.exit_code == 0 and np.load(tmp_path / "x.npy").shape == (1, 16)
    drop = cli(
        "encode", "-e", "sgt", str(fasta), "--ambiguity", "drop", "--strict", "--out", "y.npy"
    )
    assert drop.exit_code == 0 and np.load(tmp_path / "y.npy").shape == (2, 16)
    strict = cli("encode", "-e", "sgt", "--sequence", "ATGAAA", "--strict", "--out", "z.npy")
    assert strict.exit_code == 2 and "stop codon" in strict.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-e", "nope", "--sequence", "ACGT"], "unknown encoder 'nope' (valid: average, "),
        (["-e", "kmer", "-o", "k=99", "--sequence", "ACGT"], "k must be between 1 and 8"),
        (["-e", "kmer", "-o", "k", "--sequence", "ACGT"], "KEY=VALUE"),
        (["--ambiguity", "maybe", "--sequence", "ACGT"], "--ambiguity"),
        (["--group", "0", "--sequence", "ACGT"], "--group"),
        ([], "no DNA given"),
        (["--sequence", f"{SECRET}U"], "RNA"),
        (["-e", "kmer", "--sequence", "NNNN", "--ambiguity", "drop"], "no samples"),
    ],
)
def test_errors_exit_2_with_one_line_and_no_output(
    cli: Any, tmp_path: Path, args: list[str], expected: str
) -> None:
    result = cli("encode", *args, "--out", "f.npy")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and expected in errors[0]
    assert SECRET not in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == []


def test_bad_record_late_in_file_leaves_previous_output(cli: Any, tmp_path: Path) -> None:
    reads = random_reads(9, 150)
    reads[8] = ("bad", SECRET + "X")
    path = write_fastq(tmp_path / "r.fq.gz", reads)
    (tmp_path / "f.npy").write_bytes(b"old")
    result = cli("encode", str(path), "--out", "f.npy", "--chunk-size", "2")
    assert result.exit_code == 2 and "'bad'" in result.stderr and SECRET not in result.stderr
    assert (tmp_path / "f.npy").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.npy", "r.fq.gz"]


def test_missing_input_and_directory(cli: Any, tmp_path: Path) -> None:
    assert "no such file" in cli("encode", "missing.fq", "--out", "f.npy").stderr
    assert "is a directory" in cli("encode", str(tmp_path), "--out", "f.npy").stderr


def test_fittable_encoder_is_fitted_first(cli: Any, tmp_path: Path) -> None:
    class Centred(Encoder):
        name = "centred"

        @property
        def dim(self) -> int:
            return 1

        def fit(self, sequences: Any) -> None:
            self.mean = float(np.mean([len(s) for s in sequences]))

        def encode(self, sequences: Any) -> np.ndarray:
            return np.array([[len(s) - self.mean] for s in sequences], dtype=np.float32)

    class Plugin:
        @hookimpl
        def register_encoders(self, register: Any) -> None:
            register(Centred)

    with registered_plugin(Plugin(), "centred-plugin"):
        result = cli(
            "encode",
            "-e",
            "centred",
            "--sequence",
            "AC",
            "--sequence",
            "ACGT",
            "--out",
            "c.npy",
            "--chunk-size",
            "1",
        )
    assert result.exit_code == 0, result.stderr
    assert np.load(tmp_path / "c.npy").ravel().tolist() == [-1.0, 1.0]


def test_encoder_that_fails_to_fit_is_a_plugin_error(cli: Any, tmp_path: Path) -> None:
    class Unfit(Encoder):
        name = "unfit"

        @property
        def dim(self) -> int:
            return 1

        def fit(self, sequences: Any) -> None:
            raise ValueError("cannot fit")

        def encode(self, sequences: Any) -> np.ndarray:
            return np.zeros((len(sequences), 1), dtype=np.float32)

    class Plugin:
        @hookimpl
        def register_encoders(self, register: Any) -> None:
            register(Unfit)

    with registered_plugin(Plugin(), "unfit-plugin"):
        result = cli("encode", "-e", "unfit", "--sequence", "ACGT", "--out", "u.npy")
    assert result.exit_code == 2
    assert "'unfit'" in result.stderr and "'unfit-plugin'" in result.stderr
    assert not (tmp_path / "u.npy").exists()
