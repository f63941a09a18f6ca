"""DNA input: formats, compression, validation policies, strict mode, grouping, error messages."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dnagan.dna import DnaOptions, Record, load_records, read_records, records_from_strings
from dnagan.errors import ConfigError, InputError

SHARED_DNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dna"
SECRET = "GATTACAGATTACAGATTACA"  # must never appear in an error message


def write(path: Path, text: str, compress: bool = False) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def fastq(*records: tuple[str, str]) -> str:
    return "".join(f"@{rid} extra words\n{seq}\n+\n{'I' * len(seq)}\n" for rid, seq in records)


def read(path: Path, **options: object) -> list[Record]:
    return list(read_records(path, DnaOptions(**options)))  # type: ignore[arg-type]


def error_of(path: Path, **options: object) -> str:
    with pytest.raises(InputError) as caught:
        read(path, **options)
    message = str(caught.value)
    assert SECRET not in message and "\n" not in message
    return message


# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_fasta_multiline_lowercase_and_ids(tmp_path: Path, compress: bool) -> None:
    path = write(tmp_path / "x.dat", ">one desc\nacgt\nAC GT\n\n>two\nTTTT\n", compress)
    assert read(path) == [Record("one", "ACGTACGT"), Record("two", "TTTT")]


@pytest.mark.parametrize("compress", [False, True])
def test_fastq_plain_and_gzip_detected_from_content(tmp_path: Path, compress: bool) -> None:
    path = write(tmp_path / "reads.txt", fastq(("r1", "acgT"), ("r2", "GGCC")), compress)
    assert read(path) == [Record("r1", "ACGT"), Record("r2", "GGCC")]


def test_blank_lines_before_first_record(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fq", "\n\n" + fastq(("r1", "ACGT")))
    assert read(path) == [Record("r1", "ACGT")]


@pytest.mark.parametrize("block", [1, 7, 20, 33, 1 << 20])
def test_fastq_blank_lines_between_and_after_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """As biopython: blank lines after a record are ignored, wherever a text block ends."""
    from dnagan import dna_files

    monkeypatch.setattr(dna_files, "_BLOCK_CHARS", block)
    text = fastq(("r1", "ACGT")) + "\n\n" + fastq(("r2", "ACGA"), ("r3", "AAAA")) + "\n"
    path = write(tmp_path / "x.fq", text)
    assert [r.id for r in read(path)] == ["r1", "r2", "r3"]


@pytest.mark.parametrize("title", ["id\x0bdesc", "id\xa0desc", "\x1cid x", " id x", "id\tx"])
def test_fastq_ids_split_on_any_whitespace_like_fasta(tmp_path: Path, title: str) -> None:
    """The 4-line fast path cuts ids where ``str.split`` does (as for wrapped records and FASTA)."""
    path = tmp_path / "x.fq"
    path.write_text(f"@{title}\nACGT\n+\nIIII\n", encoding="utf-8")
    assert read(path) == [Record("id", "ACGT")]


@pytest.mark.parametrize("name", ["x.fa", "x.fq"])
@pytest.mark.parametrize("compress", [False, True])
def test_utf8_byte_order_mark_is_ignored(tmp_path: Path, name: str, compress: bool) -> None:
    text = fastq(("r1", "ACGT")) if name == "x.fq" else ">r1\nACGT\n"
    path = write(tmp_path / name, "\ufeff" + text, compress)
    assert read(path) == [Record("r1", "ACGT")]


def test_records_are_streamed_lazily(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", ">a\nACGT\n>b\nACXT\n")
    stream = read_records(path)  # nothing is read (or raised) before iterating
    lazy_missing = read_records(tmp_path / "missing.fa")
    with pytest.raises(InputError, match="'b'"):
        list(stream)
    with pytest.raises(InputError, match="no such file"):
        next(lazy_missing)


# --- file-level errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"\n  \n\n", "empty file"),
        (b"ACGTACGT\n", "not FASTA or FASTQ"),
        (b"\x00\x01\x02binary", "not FASTA or FASTQ"),
        (b"\xff\xfe\xfa\x80junk" * 10, "not a text"),
        (b"\x1f\x8bnot really gzip at all", "gzip"),
        (gzip.compress("".join(f">r{i}\nACGT\n" for i in range(5000)).encode())[:2000], "gzip"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.fa"
    path.write_bytes(content)
    message = error_of(path)
    assert str(path) in message and expected in message


def test_directory_and_missing_path(tmp_path: Path) -> None:
    assert "is a directory" in error_of(tmp_path)
    assert "no such file" in error_of(tmp_path / "missing.fq")


@pytest.mark.parametrize(
    "text",
    [
        f"@r1\n{SECRET}\n+\nIII\n",  # quality shorter than sequence
        f"@r1\n{SECRET}\n",  # no quality at all
        f"@r1\nAC GT\n+\nIIIII\n@r2\n{SECRET}\n+\n",  # space in a FASTQ sequence
    ],
)
def test_fastq_structure_errors_name_the_record(tmp_path: Path, text: str) -> None:
    message = error_of(write(tmp_path / "x.fq", text))
    assert "FASTQ record #1" in message


def test_fastq_structure_error_counts_records(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fq", fastq(("r1", "ACGT")) + "@r2\nACGT\n+\nII\n")
    assert "record #2" in error_of(path)


# --- validation ----------------------------------------------------------------------------------


def test_invalid_character_message(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", f">ok\nACGT\n>bad one\n{SECRET}x{SECRET}\n")
    message = error_of(path)
    assert str(path) in message
    assert "'bad'" in message and "#2" in message
    assert f"position {len(SECRET) + 1}" in message and "'x'" in message


def test_digit_in_fastq_sequence(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.fq", fastq(("r1", SECRET + "7"))))
    assert f"position {len(SECRET) + 1}" in message and "'7'" in message


def test_non_ascii_character(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.fa", f">r\n{SECRET}é\n"))
    assert "'é'" in message and f"position {len(SECRET) + 1}" in message


def test_rna_hint(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.fa", ">r\nACGU\n"))
    assert "RNA" in message and "position 4" in message


def test_ambiguity_error_is_default(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.fa", f">r\n{SECRET}n\n"))
    assert "ambiguous base 'n'" in message and f"position {len(SECRET) + 1}" in message


def test_ambiguity_skip_and_drop(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "x.fa", ">a\nACNNGT\n>b\nACGT\n>c\nNNNN\n>d\nRYKM\n")
    with caplog.at_level(logging.WARNING, logger="dnagan"):
        assert read(path, ambiguity="skip") == [Record("b", "ACGT")]
    assert "skipped 3 records" in caplog.text
    assert read(path, ambiguity="drop") == [Record("a", "ACGT"), Record("b", "ACGT")]


def test_drop_still_rejects_invalid_characters(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.fa", ">a\nNNACXT\n"), ambiguity="drop")
    assert "position 5" in message and "'X'" in message


def test_empty_record_is_an_error_unless_skipping(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", ">a\n>b\nACGT\n")
    assert "'a'" in error_of(path) and "empty" in error_of(path)
    assert read(path, ambiguity="skip") == [Record("b", "ACGT")]


# --- strict mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "problem"),
    [
        ("ATGAAATA", "multiple of 3"),
        ("TTGAAATAA", "start with ATG"),
        ("ATGAAATTT", "stop codon"),
    ],
)
def test_strict_mode_rejects(tmp_path: Path, sequence: str, problem: str) -> None:
    message = error_of(write(tmp_path / "x.fa", f">gene1\n{sequence}\n"), strict=True)
    assert problem in message and "'gene1'" in message


def test_strict_mode_accepts_coding_sequences(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", ">g1\nATGAAATAA\n>g2\natgcccggttga\n")
    assert [r.id for r in read(path, strict=True)] == ["g1", "g2"]


# --- grouping ------------------------------------------------------------------------------------


def test_grouping_concatenates_and_drops_trailing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reads = [(f"r{i}", "ACGT"[i % 4] * (i + 1)) for i in range(7)]
    path = write(tmp_path / "x.fq", fastq(*reads))
    with caplog.at_level(logging.WARNING, logger="dnagan"):
        groups = read(path, group=3)
    assert [g.id for g in groups] == ["r0+2", "r3+2"]
    assert groups[0].sequence == "A" + "CC" + "GGG"
    assert "dropped 1 trailing reads" in caplog.text
    assert SECRET not in caplog.text


def test_grouping_counts_valid_reads_only(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", ">a\nAC\n>b\nNN\n>c\nGT\n")
    assert read(path, ambiguity="skip", group=2) == [Record("a+1", "ACGT")]


# --- strings and load_records --------------------------------------------------------------------


def test_records_from_strings() -> None:
    assert records_from_strings(["acg", "TT"]) == [Record("seq1", "ACG"), Record("seq2", "TT")]
    with pytest.raises(InputError, match=r"--sequence: record 'seq2' \(#2\): position 1"):
        records_from_strings(["ACG", "ZZZ"])


def test_load_records(tmp_path: Path) -> None:
    path = write(tmp_path / "x.fa", ">a\nAC\n>b\nGT\n>c\nTT\n")
    assert [r.id for r in load_records(path, limit=2)] == ["a", "b"]
    assert load_records(sequences=["ac"]) == [Record("seq1", "AC")]
    with pytest.raises(ConfigError):
        load_records()
    with pytest.raises(ConfigError):
        load_records(path, sequences=["AC"])
    with pytest.raises(InputError, match="no samples"):
        load_records(path, options=DnaOptions(group=5))


@pytest.mark.parametrize("bad", [{"ambiguity": "maybe"}, {"group": 0}, {"group": True}])
def test_dna_options_validate(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DnaOptions(**bad)  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="ACGTacgt", min_size=1, max_size=200), min_size=1, max_size=8))
def test_fasta_roundtrip_property(
    tmp_path_factory: pytest.TempPathFactory, seqs: list[str]
) -> None:
    path = tmp_path_factory.mktemp("prop") / "x.fa.gz"
    text = "".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs))
    write(path, text, compress=True)
    assert read(path) == [Record(f"s{i}", s.upper()) for i, s in enumerate(seqs)]


@pytest.mark.skipif(not SHARED_DNA.is_dir(), reason="shared DNA data not present")
def test_real_files() -> None:
    nanopore = read(SHARED_DNA / "nanopore_seqkit.fastq.gz")
    assert len(nanopore) == 4000
    illumina = list(
        read_records(SHARED_DNA / "illumina_SRR059298_72bp.fastq.gz", DnaOptions(ambiguity="skip"))
    )
    assert illumina and all(len(r.sequence) == 72 for r in illumina)


# --- the 4-line FASTQ fast path against biopython ------------------------------------------------

fastq_record = st.tuples(
    st.text(alphabet="abc.:/ 0", min_size=0, max_size=12),
    st.text(alphabet="ACGTN", min_size=1, max_size=40),
    st.integers(min_value=0, max_value=3),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(fastq_record, min_size=1, max_size=12),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
)
def test_fast_path_equals_fastq_general_iterator(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[str, str, int]],
    block: int,
    crlf: bool,
) -> None:
    """Any block size, wrapped records (biopython takes over mid-file) and CRLF: same records."""
    import io

    from Bio.SeqIO.QualityIO import FastqGeneralIterator

    from dnagan import dna_files
    from dnagan.dna_files import parse_file, record_id

    parts = []
    for i, (title, sequence, style) in enumerate(records):
        name = f"r{i} {title}"
        quality = "I" * len(sequence)
        if style == 3:  # wrapped sequence and quality lines
            half = max(1, len(sequence) // 2)
            sequence_text = f"{sequence[:half]}\n{sequence[half:]}" if sequence[half:] else sequence
            quality_text = f"{quality[:half]}\n{quality[half:]}" if quality[half:] else quality
            parts.append(f"@{name}\n{sequence_text}\n+\n{quality_text}\n")
        else:
            plus = f"+{name}" if style == 1 else "+"
            parts.append(f"@{name}\n{sequence}\n{plus}\n{quality}\n")
    text = "".join(parts)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path_factory.mktemp("fq") / "x.fq"
    path.write_bytes(text.encode())
    expected = [
        (record_id(t), s) for t, s, _ in FastqGeneralIterator(io.StringIO(text.replace("\r", "")))
    ]
    original = dna_files._BLOCK_CHARS
    dna_files._BLOCK_CHARS = block
    try:
        assert list(parse_file(path)) == expected
    finally:
        dna_files._BLOCK_CHARS = original
