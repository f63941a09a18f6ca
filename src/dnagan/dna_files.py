"""Opening and parsing FASTA/FASTQ files, plain or gzip, streamed record by record.

The compression is detected from the gzip magic bytes, the format from the first non-blank
character (``>`` FASTA, ``@`` FASTQ); a UTF-8 byte-order mark is ignored. Parsing uses
biopython's fast string parsers. Every problem with the file itself (missing, a folder, empty,
binary, corrupt gzip, broken FASTQ structure) becomes an :class:`~dnagan.errors.InputError` naming
the file and, where known, the record number.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, cast

from Bio.SeqIO.FastaIO import SimpleFastaParser
from Bio.SeqIO.QualityIO import FastqGeneralIterator

from dnagan.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
Format = Literal["fasta", "fastq"]
_SNIFF_LINES = 10_000
_BLOCK_CHARS = 1 << 20  # text read per step by the 4-line FASTQ fast path
_FASTA_BLOCK = 256  # FASTA records per block
#: What reading the text can raise (missing, unreadable, corrupt gzip, not UTF-8); see _read_errors.
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError)
_ENCODING = "utf-8-sig"  # UTF-8; a leading byte-order mark (Windows editors) is dropped


def _open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped when it starts with the gzip magic."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return cast(BinaryIO, gzip.open(path, "rb") if compressed else open(path, "rb"))


def _open_text(path: Path) -> IO[str]:
    return io.TextIOWrapper(_open_binary(path), encoding=_ENCODING)


def _text_chunks(path: Path) -> Iterator[str]:
    """The file's text, plain or gzip, in chunks of about a megabyte (strict UTF-8)."""
    decoder = codecs.getincrementaldecoder(_ENCODING)()
    with _open_binary(path) as raw:
        while chunk := raw.read(_BLOCK_CHARS):
            if text := decoder.decode(chunk):
                yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


def _read_errors(source: str, where: str, error: BaseException) -> InputError:
    """The InputError for one of ``_READ_ERRORS`` (``where``: e.g. " after record 12")."""
    if isinstance(error, UnicodeDecodeError):
        return InputError(f"{source}: not a text FASTA/FASTQ file (undecodable bytes{where})")
    if isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        return InputError(f"{source}: corrupt or truncated gzip data{where} ({error})")
    if isinstance(error, OSError):
        return InputError(f"{source}: cannot read{where} ({error.strerror or error})")
    return InputError(f"{source}: {error}")


def sniff_format(path: Path) -> Format:
    """Detect the format from the first non-blank character of the file."""
    source = str(path)
    try:
        with _open_text(path) as handle:
            for blank, line in enumerate(handle):
                if line.strip():
                    break
                if blank >= _SNIFF_LINES:
                    raise InputError(f"{source}: no FASTA or FASTQ record found")
            else:
                raise InputError(f"{source}: empty file (no FASTA or FASTQ records)")
    except _READ_ERRORS as error:
        raise _read_errors(source, "", error) from None
    first = line.lstrip()[0]
    if first == ">":
        return "fasta"
    if first == "@":
        return "fastq"
    raise InputError(
        f"{source}: not FASTA or FASTQ: first character is {first!r}, expected '>' (FASTA header) "
        "or '@' (FASTQ record)"
    )


def check_path(path: Path) -> None:
    """Raise InputError when ``path`` is missing or not a regular file."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a FASTA or FASTQ file")


def record_id(title: str) -> str:
    """A record id: the first whitespace-delimited token of its header line."""
    parts = title.split(None, 1)
    return parts[0] if parts else ""


def parse_blocks(path: str | Path) -> Iterator[list[tuple[str, str]]]:
    """Yield lists of ``(record id, raw sequence)`` from a FASTA/FASTQ file, plain or gzip.

    The file is streamed; each list holds at most about a megabyte of records.
    """
    path = Path(path)
    check_path(path)
    kind = sniff_format(path)
    source = str(path)
    number = 0
    try:
        if kind == "fastq":
            for block in _fastq_blocks(_text_chunks(path)):
                number += len(block)
                yield block
            return
        with _open_text(path) as handle:
            for block in _fasta_blocks(handle):
                number += len(block)
                yield block
    except _READ_ERRORS as error:
        raise _read_errors(source, f" after record {number}", error) from None
    except ValueError as error:  # biopython's FASTQ structure errors
        message = " ".join(str(error).split())
        raise InputError(f"{source}: FASTQ record #{number + 1}: {message}") from None


def parse_file(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(record id, raw sequence)`` from a FASTA/FASTQ file, plain or gzip, streamed."""
    for block in parse_blocks(path):
        yield from block


def _fasta_blocks(handle: IO[str]) -> Iterator[list[tuple[str, str]]]:
    records = ((record_id(title), sequence) for title, sequence in SimpleFastaParser(handle))
    while block := list(itertools.islice(records, _FASTA_BLOCK)):
        yield block


class _Replay:
    """A minimal text handle over an iterator of lines, for biopython's parser."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)

    def read(self, size: int = -1) -> str:
        if size:
            raise NotImplementedError("only read(0) is supported")
        return ""

    def readline(self) -> str:
        return next(self._lines, "")

    def __iter__(self) -> Iterator[str]:
        return self._lines


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines (with their newline) of text given in chunks."""
    pending = ""
    for chunk in chunks:
        parts = (pending + chunk).split("\n")
        pending = parts.pop()
        yield from (part + "\n" for part in parts)
    if pending:
        yield pending


def _is_blank(line: str) -> bool:
    return not line.strip()


_FASTQ_IDS = re.compile(r"@[^\S\n]*(\S*)[^\n]*")  # one match per title line, as record_id


def _four_line_records(lines: list[str]) -> list[tuple[str, str]] | None:
    """``(id, sequence)`` of complete 4-line FASTQ ``lines``, or None for any other layout.

    Every check is a whole-list C-level operation (no per-record Python code).
    """
    if len(lines) % 4:
        return None
    titles, sequences, separators, qualities = lines[0::4], lines[1::4], lines[2::4], lines[3::4]
    if not all(map(str.startswith, titles, itertools.repeat("@"))):
        return None
    joined_titles = "\n".join(titles)
    if separators.count("+") != len(separators):
        repeated = "+" + joined_titles[1:].replace("\n@", "\n+")
        if "\n".join(separators) != repeated:
            return None  # mixed or mismatched '+' lines: let biopython decide
    if list(map(len, sequences)) != list(map(len, qualities)):
        return None
    joined = "".join(sequences)
    if " " in joined or "\t" in joined:
        return None
    if "\t" not in joined_titles and "@ " not in joined_titles:
        # the common case: the id is everything up to the first space
        ids = [title.partition(" ")[0][1:] for title in titles]
        if "".join(ids).isprintable():  # no other (Unicode) whitespace in any id
            return list(zip(ids, sequences, strict=True))
    return list(zip(_FASTQ_IDS.findall(joined_titles), sequences, strict=True))


def _fastq_blocks(chunks: Iterator[str]) -> Iterator[list[tuple[str, str]]]:
    """Blocks of ``(id, sequence)`` of FASTQ records from text chunks.

    Files in the usual layout (one sequence and one quality line per record) are split into lines
    a chunk at a time and checked block-wise; from the first block laid out otherwise (wrapped
    lines, blank lines, broken records) on, biopython's ``FastqGeneralIterator`` parses the rest
    (one record per block) and produces the error messages.
    """
    pending = ""  # an incomplete last line
    carry: list[str] = []  # complete lines of an incomplete last record
    start = True
    while True:
        text = next(chunks, "")
        if "\r" in text:
            text = text.replace("\r", "")
        if start and text:
            text, start = text.lstrip(), False  # blank lines before the first record
            if not text:
                start = True
                continue
        if text:
            parts = (pending + text).split("\n")
            pending = parts.pop()
            lines = carry + parts
            usable = len(lines) - len(lines) % 4
        else:
            lines = carry + ([pending] if pending else [])
            pending, usable = "", len(lines)
        records = _four_line_records(lines[:usable])
        if records is None:
            # Blank lines after a complete record are ignored (biopython would read them as empty
            # quality lines of that record), but a stream must not start with them.
            lines = list(itertools.dropwhile(_is_blank, lines))
            rest = _lines(itertools.chain([pending], chunks))
            replay = itertools.chain((line + "\n" for line in lines), rest)
            handle: Any = _Replay(replay)  # biopython only calls read(0), readline and iter
            for title, sequence, _quality in FastqGeneralIterator(handle):
                yield [(record_id(title), sequence)]
            return
        yield records
        if not text:
            return
        carry = lines[usable:]
