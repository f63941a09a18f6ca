"""Privacy: raw DNA never leaves the process except as features and images.

A 200-base marker sequence goes through ``encode``, ``run --preset smoke``, ``generate`` (and
``bench --preset smoke`` when that command exists); then every output file (all bytes, PNG text
chunks decoded), every file name, all printed text and every log message is searched for the
marker and for each of its 20-base windows, upper and lower case. Error messages about a record
that holds the marker must not quote it either. Generated PNGs carry exactly three text chunks:
the encoder, the model's hash and the dnagan version.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from reliability_support import (
    MARKER,
    MARKER_ID,
    SMOKE_SETS,
    LogLines,
    assert_clean_error,
    smoke_run,
    smoke_run_logs,
    write_marker_fasta,
)

from dnagan import __version__

WINDOW = 20
WINDOWS = sorted({MARKER[i : i + WINDOW] for i in range(len(MARKER) - WINDOW + 1)})
NEEDLES = [w.encode() for w in WINDOWS] + [w.lower().encode() for w in WINDOWS]


def leaks(data: bytes) -> list[str]:
    """The marker windows found in ``data`` (empty when it is clean)."""
    return [needle.decode() for needle in NEEDLES if needle in data]


def assert_no_leak_in_text(*texts: str) -> None:
    for text in texts:
        found = leaks(text.encode("utf-8", "replace"))
        assert not found, f"marker DNA printed or logged: {found[:3]}"


def png_text(path: Path) -> dict[str, str]:
    with Image.open(path) as image:
        image.load()
        return dict(getattr(image, "text", {}))


def assert_no_leak_in_files(folders: Iterable[Path]) -> int:
    """Search every file (bytes, PNG text, names) under ``folders``; return the count."""
    count = 0
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            assert not leaks(str(path).encode()), f"marker DNA in a file name: {path}"
            if not path.is_file():
                continue
            count += 1
            found = leaks(path.read_bytes())
            assert not found, f"marker DNA in {path}: {found[:3]}"
            if path.suffix == ".png":
                for key, value in png_text(path).items():
                    assert not leaks(f"{key}={value}".encode()), f"marker in PNG text of {path}"
    return count


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    return smoke_run(tmp_path_factory)


def test_marker_is_a_real_sequence_that_the_search_finds(tmp_path: Path) -> None:
    fasta = write_marker_fasta(tmp_path / "reads.fa")
    assert leaks(fasta.read_bytes()), "the search must find the marker where it is"
    assert len(WINDOWS) == len(MARKER) - WINDOW + 1


def test_encode_outputs_and_messages_hold_no_dna(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    fasta = write_marker_fasta(tmp_path / "in" / "reads.fa")
    out = tmp_path / "out"
    printed = []
    with LogLines() as logs:
        for encoder in ("average", "kmer", "sgt"):
            result = cli("encode", str(fasta), "-e", encoder, "--out", str(out / f"{encoder}.npy"))
            assert result.exit_code == 0, result.stderr
            printed += [result.stdout, result.stderr]
        result = cli("encode", "--sequence", MARKER, "--out", str(out / "sequence.npy"))
        assert result.exit_code == 0
        printed += [result.stdout, result.stderr]
    assert_no_leak_in_text(*printed, *logs.messages)
    assert assert_no_leak_in_files([out]) == 8
    ids = (out / "average.ids.txt").read_text().split()
    assert MARKER_ID in ids


def test_run_outputs_and_printed_text_hold_no_dna(
    trained: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    run_dir, result = trained
    assert_no_leak_in_text(result.stdout, result.stderr, *smoke_run_logs(tmp_path_factory))
    files = assert_no_leak_in_files([run_dir])
    names = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}
    for expected in ("config.json", "summary.json", "metrics.jsonl", "checkpoints/final.pt"):
        assert expected in names
    assert files >= 8


def test_run_sample_metadata_is_encoder_model_and_version_only(
    trained: tuple[Path, Any],
) -> None:
    run_dir, _ = trained
    samples = sorted((run_dir / "samples").glob("*.png"))
    assert samples
    for sample in samples:
        text = png_text(sample)
        assert set(text) == {"encoder", "model", "dnagan"}, text
        assert text["encoder"] == "average" and text["dnagan"] == __version__
        assert len(text["model"]) == 16 and int(text["model"], 16) >= 0


def test_generate_outputs_and_printed_text_hold_no_dna(
    cli: Any, tmp_path: Path, trained: tuple[Path, Any]
) -> None:
    run_dir, _ = trained
    fasta = tmp_path / "marker.fa"
    fasta.write_text(f">{MARKER_ID}\n{MARKER}\n>lower\n{MARKER.lower()}\n")
    printed: list[str] = []
    with LogLines() as logs:
        for args in (("--sequence", MARKER), ("--dna", str(fasta))):
            out = tmp_path / f"out{len(printed)}"
            result = cli("generate", str(run_dir), "--out", str(out), *args)
            assert result.exit_code == 0, result.stdout + result.stderr
            printed += [result.stdout, result.stderr]
    assert_no_leak_in_text(*printed, *logs.messages)
    assert assert_no_leak_in_files([tmp_path / "out0", tmp_path / "out2"]) == 3
    for png in (tmp_path / "out2").glob("*.png"):
        assert set(png_text(png)) == {"encoder", "model", "dnagan"}


def test_generate_name_for_an_unusable_id_is_not_derived_visibly_from_dna(
    cli: Any, tmp_path: Path, trained: tuple[Path, Any]
) -> None:
    run_dir, _ = trained
    fasta = tmp_path / "marker.fa"
    fasta.write_text(f">...\n{MARKER}\n")
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = cli("generate", str(run_dir), "--out", str(out), "--dna", str(fasta))
        assert result.exit_code == 0, result.stderr
    names = [next(out.glob("*.png")).name for out in (first, second)]
    assert names[0] != names[1], "a name derived from the sequence alone identifies it"


@pytest.mark.parametrize(
    "bad",
    [MARKER[:100] + "N" + MARKER[100:], MARKER[:150] + "U" + MARKER[150:],
     MARKER[:50] + "!" + MARKER[50:]],
    ids=["ambiguous", "rna", "junk"],
)
def test_error_messages_about_a_record_never_quote_it(cli: Any, tmp_path: Path, bad: str) -> None:
    fasta = tmp_path / "bad.fa"
    fasta.write_text(f">rec1\n{MARKER}\n>rec2\n{bad}\n")
    with LogLines() as logs:
        from_file = cli("encode", str(fasta), "--out", str(tmp_path / "f.npy"))
        from_text = cli("encode", "--sequence", bad, "--out", str(tmp_path / "g.npy"))
    assert_clean_error(from_file, "record 'rec2' (#2)")
    assert_clean_error(from_text, "seq1")
    assert_no_leak_in_text(from_file.stderr, from_file.stdout, from_text.stderr,
                           from_text.stdout, *logs.messages)


def test_bench_outputs_hold_no_dna(cli: Any, tmp_path: Path) -> None:
    from dnagan.cli import app

    names = {command.name for command in app.registered_commands}
    if "bench" not in names:
        pytest.skip("dnagan bench is not available yet")
    fasta = write_marker_fasta(tmp_path / "reads.fa")
    out = tmp_path / "bench"
    with LogLines() as logs:
        result = cli("bench", "--preset", "smoke", "--encoders", "average", "--dna", str(fasta),
                     "--out", str(out), *SMOKE_SETS)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert_no_leak_in_text(result.stdout, result.stderr, *logs.messages)
    assert assert_no_leak_in_files([out]) > 0
