"""Bad DNA input, through ``dnagan encode``: one clean line, exit 2, no traceback, no output.

Each case is a file a user could plausibly hand over. Inputs that are merely unusual but valid
(CRLF line endings, mixed case, spaces inside FASTA lines, a 100 MB single-line record) must encode
exactly like their clean equivalent.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reliability_support import assert_clean_error

READ = "ACGT" * 40  # 160 bases: long enough for every built-in encoder's defaults
QUAL = "I" * len(READ)
FASTQ = f"@r1\n{READ}\n+\n{QUAL}\n@r2\n{READ[::-1]}\n+\n{QUAL}\n"


def _encode(cli: Any, tmp_path: Path, data: bytes, *extra: str) -> tuple[Any, Path]:
    source = tmp_path / "input"
    source.write_bytes(data)
    out = tmp_path / "out" / "features.npy"
    return cli("encode", str(source), "--out", str(out), *extra), out


def _no_output(out: Path) -> None:
    assert not out.exists(), "a partial feature matrix was left behind"
    assert not out.with_name("features.ids.txt").exists(), "a partial id list was left behind"
    leftovers = list(out.parent.glob(".*.tmp")) if out.parent.exists() else []
    assert not leftovers, f"temporary files left behind: {leftovers}"


# (case id, file bytes, fragments the message must contain)
BAD_FILES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("empty-file", b"", ("empty file",)),
    ("blank-lines-only", b"\n\n  \n", ("empty file",)),
    ("binary-junk", bytes(range(256)) * 8, ("not a text",)),
    ("latin1-byte", b">a\nACGT\xe9ACGT\n", ("not a text",)),
    ("fastq-truncated-after-header", b"@r1\n", ("FASTQ record #1",)),
    ("fastq-truncated-after-sequence", f"@r1\n{READ}\n".encode(), ("FASTQ record #1",)),
    ("fastq-truncated-after-plus", f"@r1\n{READ}\n+\n".encode(), ("FASTQ record #1",)),
    ("fastq-truncated-in-quality", f"@r1\n{READ}\n+\nIII".encode(), ("FASTQ record #1",)),
    ("fastq-second-record-truncated", f"@r1\n{READ}\n+\n{QUAL}\n@r2\n{READ}\n".encode(),
     ("FASTQ record #2",)),
    ("fastq-quality-length-differs", f"@r1\n{READ}\n+\n{QUAL[:-1]}\n".encode(),
     ("FASTQ record #1", "Lengths")),
    ("fastq-missing-at", f"@r1\n{READ}\n+\n{QUAL}\nr2\n{READ}\n+\n{QUAL}\n".encode(),
     ("FASTQ record",)),
    ("fastq-missing-plus", f"@r1\n{READ}\n+\n{QUAL}\n@r2\n{READ}\n{QUAL}\n".encode(),
     ("FASTQ record #2",)),
    ("corrupt-gzip", gzip.compress(FASTQ.encode() * 50)[:12] + b"\0" * 64, ("gzip",)),
    ("truncated-gzip", gzip.compress(FASTQ.encode() * 500)[:-64], ("gzip",)),
    ("gzip-magic-only", b"\x1f\x8b", ("gzip",)),
    ("fasta-without-header", f"{READ}\n{READ}\n".encode(), ("not FASTA or FASTQ", "'A'")),
    ("unknown-first-character", b";comment\nACGT\n", ("not FASTA or FASTQ",)),
    ("fasta-zero-length-record", f">a\n{READ}\n>b\n>c\n{READ}\n".encode(),
     ("record 'b' (#2)", "empty sequence")),
    ("fastq-zero-length-record", b"@a\n\n+\n\n", ("record 'a' (#1)", "empty sequence")),
    ("iupac-code", f">a\n{READ}\n>b\n{READ[:9]}N{READ}\n".encode(),
     ("record 'b' (#2)", "position 10", "ambiguous base 'N'")),
    ("rna", f">a\n{READ.replace('T', 'U')}\n".encode(), ("record 'a' (#1)", "position 4", "RNA")),
    ("digit-in-fasta", f">a\n{READ[:4]}1{READ}\n".encode(),
     ("record 'a' (#1)", "position 5", "'1'")),
    ("digit-in-fastq", f"@q\n{READ[:6]}7{READ[7:]}\n+\n{QUAL}\n".encode(),
     ("record 'q' (#1)", "position 7", "'7'")),
    ("space-in-fastq", f"@q\n{READ[:6]} {READ[7:]}\n+\n{QUAL}\n".encode(),
     ("FASTQ record #1", "Whitespace")),
    ("non-ascii-letter", f">a\n{READ[:2]}Ä{READ}\n".encode(), ("position 3", "'Ä'")),
    ("nul-byte", f">a\n{READ[:2]}\0{READ}\n".encode(), ("position 3",)),
    ("dash-gap", f">a\n{READ[:2]}-{READ}\n".encode(), ("position 3", "'-'")),
    ("too-short-for-encoder", b">tiny\nACGT\n", ("record 'tiny' (sample 1)", "shorter")),
]


@pytest.mark.parametrize(("data", "fragments"), [c[1:] for c in BAD_FILES],
                         ids=[c[0] for c in BAD_FILES])
def test_bad_dna_file(cli: Any, tmp_path: Path, data: bytes, fragments: tuple[str, ...]) -> None:
    result, out = _encode(cli, tmp_path, data)
    message = assert_clean_error(result, str(tmp_path / "input"), *fragments)
    assert READ not in message and READ[:20] not in message  # no DNA echoed
    _no_output(out)


def test_bad_record_late_in_gzip_names_record_number(cli: Any, tmp_path: Path) -> None:
    records = "".join(f"@r{i}\n{READ}\n+\n{QUAL}\n" for i in range(1, 300))
    records += f"@bad\n{READ[:-1]}X\n+\n{QUAL}\n"
    result, out = _encode(cli, tmp_path, gzip.compress(records.encode()))
    assert_clean_error(result, "record 'bad' (#300)", f"position {len(READ)}")
    _no_output(out)


@pytest.mark.parametrize("kind", ["directory", "missing"])
def test_directory_or_missing_path(cli: Any, tmp_path: Path, kind: str) -> None:
    source = tmp_path / "reads"
    if kind == "directory":
        source.mkdir()
    out = tmp_path / "features.npy"
    result = cli("encode", str(source), "--out", str(out))
    assert_clean_error(result, str(source), "directory" if kind == "directory" else "no such file")
    assert not out.exists()


def _features(cli: Any, tmp_path: Path, name: str, data: bytes, *extra: str) -> np.ndarray:
    source = tmp_path / f"{name}.in"
    source.write_bytes(data)
    out = tmp_path / f"{name}.npy"
    result = cli("encode", str(source), "--out", str(out), "--encoder", "kmer", *extra)
    assert result.exit_code == 0, result.stderr
    return np.load(out)


@pytest.mark.parametrize(
    ("variant", "transform"),
    [
        ("crlf", lambda text: text.replace("\n", "\r\n")),
        ("mixed-case", lambda text: "\n".join(
            line.lower() if not line.startswith((">", "@", "+")) and i % 8 == 1 else line
            for i, line in enumerate(text.split("\n")))),
    ],
)
def test_valid_variants_encode_like_the_clean_file(
    cli: Any, tmp_path: Path, variant: str, transform: Any
) -> None:
    clean = _features(cli, tmp_path, "clean", FASTQ.encode())
    other = _features(cli, tmp_path, variant, transform(FASTQ).encode())
    np.testing.assert_array_equal(clean, other)


def test_spaces_inside_fasta_lines_are_removed(cli: Any, tmp_path: Path) -> None:
    clean = _features(cli, tmp_path, "clean", f">a\n{READ}\n".encode())
    spaced = " ".join(READ[i : i + 10] for i in range(0, len(READ), 10))
    other = _features(cli, tmp_path, "spaced", f">a\n{spaced}\n".encode())
    np.testing.assert_array_equal(clean, other)


def test_iupac_codes_accepted_with_ambiguity_drop(cli: Any, tmp_path: Path) -> None:
    data = f">a\n{READ}\n>b\n{READ[:9]}N{READ}\n".encode()
    features = _features(cli, tmp_path, "iupac", data, "--ambiguity", "drop")
    assert features.shape == (2, 256)


def test_one_100_megabyte_single_line_record(cli: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 100_000_000, np.uint8)]
    source = tmp_path / "big.fa"
    with open(source, "wb") as handle:
        handle.write(b">big\n")
        handle.write(bases.tobytes())
        handle.write(b"\n")
    del bases
    out = tmp_path / "big.npy"
    result = cli("encode", str(source), "--out", str(out), "--encoder", "average")
    assert result.exit_code == 0, result.stderr
    features = np.load(out)
    assert features.shape == (1, 128) and np.isfinite(features).all()
    # random bases average to 1.5 / 3 = 0.5 in every window
    assert abs(float(features.mean()) - 0.5) < 0.01


def test_debug_shows_the_traceback(cli: Any, tmp_path: Path) -> None:
    from dnagan.errors import InputError

    result = cli("--debug", "encode", str(tmp_path / "absent.fa"), "--out", str(tmp_path / "f"))
    assert isinstance(result.exception, InputError)  # re-raised: the traceback is shown
    plain = cli("encode", str(tmp_path / "absent.fa"), "--out", str(tmp_path / "f"))
    assert_clean_error(plain, "no such file")  # and without --debug it is one line again
