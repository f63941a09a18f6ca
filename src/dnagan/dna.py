"""DNA input: read, validate and group sequences from FASTA/FASTQ files or strings.

Files are FASTA or FASTQ, plain or gzip (detected from content, not the name) and are streamed: only
one record (or one group of records) is in memory at a time. Every yielded :class:`Record` holds an
upper-case ``A``/``C``/``G``/``T`` sequence.

Validation (:class:`DnaOptions`):

- ``A C G T`` in any case are accepted and upper-cased.
- IUPAC ambiguity codes (``N R Y S W K M B D H V``) follow ``ambiguity``: ``error`` (default) stops
  with a message naming the record and position; ``skip`` drops the whole record; ``drop`` removes
  those bases from the sequence (a record of nothing but ambiguity codes is then skipped).
- ``U`` is an error hinting that the input looks like RNA; any other character is an error naming
  the file, the record id, the 1-based position and the character. Sequences are never echoed.
- A zero-length record is an error naming it, except under ``ambiguity="skip"``, which skips it.
- FASTA sequence lines may contain spaces (the parser removes them); in FASTQ they are an error.
- ``strict`` (the paper's "valid DNA"): every record's length is a multiple of 3, it starts with ATG
  and ends with a stop codon (TAA, TAG, TGA); checked per record after the ambiguity policy.
- ``group=N``: every N consecutive valid records form one sample whose sequence is their
  concatenation and whose id is ``"<first id>+<N-1>"``; a trailing incomplete group is dropped
  with a warning giving only the count.

Skips and drops are summarised in one warning per source (counts only).
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from dnagan.dna_files import parse_blocks
from dnagan.dna_validate import AMBIGUITY_POLICIES, Ambiguity, SequenceValidator
from dnagan.errors import ConfigError, InputError

logger = logging.getLogger("dnagan")

__all__ = [
    "AMBIGUITY_POLICIES",
    "DnaOptions",
    "Record",
    "load_records",
    "read_records",
    "records_from_strings",
]


class Record(NamedTuple):
    """One sample: an id (never a sequence) and its validated upper-case A/C/G/T sequence."""

    id: str
    sequence: str


_make_record = partial(tuple.__new__, Record)  # Record from an (id, sequence) pair, at C speed


@dataclass(frozen=True)
class DnaOptions:
    """How DNA input is validated and grouped; see the module docstring."""

    ambiguity: Ambiguity = "error"
    strict: bool = False
    group: int = 1

    def __post_init__(self) -> None:
        if self.ambiguity not in AMBIGUITY_POLICIES:
            valid = ", ".join(AMBIGUITY_POLICIES)
            raise ValueError(f"ambiguity must be one of {valid}, got {self.ambiguity!r}")
        if isinstance(self.group, bool) or not isinstance(self.group, int) or self.group < 1:
            raise ValueError(f"group must be a positive integer, got {self.group!r}")


def _validated(
    source: str, blocks: Iterable[list[tuple[str, str]]], options: DnaOptions
) -> Generator[Record, None, None]:
    validator = SequenceValidator(source, options.ambiguity, options.strict)
    number = 1
    for block in blocks:
        yield from map(_make_record, validator.check_block(block, number))
        number += len(block)
    counts = validator.counts
    if counts.skipped_ambiguous:
        logger.warning(
            "%s: skipped %d records with ambiguity codes", source, counts.skipped_ambiguous
        )
    if counts.skipped_empty:
        logger.warning("%s: skipped %d empty records", source, counts.skipped_empty)
    if counts.dropped_bases:
        logger.info("%s: dropped %d ambiguous bases", source, counts.dropped_bases)


def _grouped(
    source: str, records: Generator[Record, None, None], size: int
) -> Generator[Record, None, None]:
    """``records`` joined in groups of ``size`` (unchanged for size 1)."""
    return records if size == 1 else _groups(source, records, size)


def _groups(source: str, records: Iterator[Record], size: int) -> Generator[Record, None, None]:
    while True:
        chunk = list(islice(records, size))
        if len(chunk) < size:
            if chunk:
                logger.warning(
                    "%s: dropped %d trailing reads that do not fill a group of %d",
                    source,
                    len(chunk),
                    size,
                )
            return
        yield Record(f"{chunk[0].id}+{size - 1}", "".join(r.sequence for r in chunk))


def read_records(
    path: str | Path, options: DnaOptions = DnaOptions()
) -> Generator[Record, None, None]:
    """Stream validated (and grouped) records from a FASTA/FASTQ file, plain or gzip.

    Raises :class:`~dnagan.errors.InputError` (lazily, while iterating) for unreadable files and
    invalid records.
    """
    source = str(path)
    return _grouped(source, _validated(source, parse_blocks(path), options), options.group)


def records_from_strings(
    sequences: Sequence[str], options: DnaOptions = DnaOptions()
) -> list[Record]:
    """Validate (and group) raw sequences given as strings; their ids are ``seq1``, ``seq2``, ..."""
    raw = [[(f"seq{i}", sequence) for i, sequence in enumerate(sequences, start=1)]]
    return list(_grouped("--sequence", _validated("--sequence", raw, options), options.group))


def load_records(
    path: str | Path | None = None,
    sequences: Sequence[str] = (),
    options: DnaOptions = DnaOptions(),
    limit: int | None = None,
) -> list[Record]:
    """Records from a file or from strings (exactly one of them), at most ``limit`` of them.

    Raises ConfigError when neither or both are given, InputError when the input is invalid or
    yields no sample at all.
    """
    if path is not None and sequences:
        raise ConfigError("give either a DNA file or sequences, not both")
    if path is None and not sequences:
        raise ConfigError("no DNA given: pass a FASTA/FASTQ file or sequences")
    if path is None:
        records = records_from_strings(sequences, options)[:limit]
        source = "--sequence"
    else:
        with closing(read_records(path, options)) as stream:
            records = list(islice(stream, limit))
        source = str(path)
    if not records:
        raise InputError(f"{source}: no samples (after validation and grouping)")
    return records
