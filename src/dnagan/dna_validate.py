"""Validation of one DNA record: alphabet, ambiguity policy and the optional strict (coding) check.

Only whole-string C-level operations (``str.upper``, regex search, ``str.translate``) run per
record; there is no per-character Python loop. Messages name the source, the record and the
1-based position of the offending character, never the sequence itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dnagan.errors import InputError

Ambiguity = Literal["error", "skip", "drop"]
AMBIGUITY_POLICIES: tuple[str, ...] = ("error", "skip", "drop")
#: IUPAC ambiguity codes (upper case).
AMBIGUITY_CODES = "NRYSWKMBDHV"
STOP_CODONS = ("TAA", "TAG", "TGA")

_NOT_ACGT = re.compile(r"[^ACGT]")
_NOT_DNA = re.compile(rf"[^ACGT{AMBIGUITY_CODES}]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_DROP_AMBIGUOUS = str.maketrans("", "", AMBIGUITY_CODES)


_NOT_ACGT_BYTE = np.ones(256, dtype=bool)
_NOT_ACGT_BYTE[list(b"ACGT")] = False


def _flag_records(joined: str, sequences: list[str]) -> list[int]:
    """Indices (ascending) of the sequences that contain anything but upper-case A/C/G/T."""
    bad = np.flatnonzero(_NOT_ACGT_BYTE[np.frombuffer(joined.encode("ascii"), dtype=np.uint8)])
    if not bad.size:
        return []
    ends = np.cumsum(np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences)))
    return np.unique(np.searchsorted(ends, bad, side="right")).tolist()  # type: ignore[no-any-return]


def describe_record(record_id: str, number: int) -> str:
    """How messages name a record: its id and its 1-based number in the file."""
    return f"record {record_id!r} (#{number})" if record_id else f"record #{number}"


@dataclass
class ValidationCounts:
    """What validation removed, for the end-of-file summary (counts only, never sequences)."""

    skipped_ambiguous: int = 0
    skipped_empty: int = 0
    dropped_bases: int = 0


class SequenceValidator:
    """Validates records of one source under an ambiguity policy and the strict flag."""

    def __init__(self, source: str, ambiguity: Ambiguity = "error", strict: bool = False) -> None:
        self.source = source
        self.ambiguity = ambiguity
        self.strict = strict
        self.counts = ValidationCounts()

    def _fail(self, record: str, message: str) -> InputError:
        return InputError(f"{self.source}: {record}: {message}")

    def _invalid(self, record: str, raw: str, position: int) -> InputError:
        char = raw[position]
        where = f"position {position + 1}"
        if char in "Uu":
            return self._fail(
                record, f"{where}: {char!r} is not DNA (looks like RNA: use T, not U)"
            )
        if char.upper() in AMBIGUITY_CODES and char.isascii():
            return self._fail(
                record,
                f"{where}: ambiguous base {char!r} (choose ambiguity 'skip' or 'drop' to accept "
                "records with IUPAC codes, e.g. --ambiguity drop)",
            )
        return self._fail(record, f"{where}: invalid character {char!r} (expected A, C, G or T)")

    def check(self, record_id: str, number: int, raw: str) -> str | None:
        """Return the validated upper-case sequence, or None when the policy skips the record.

        Zero-length records are an error naming the record, except under ``skip`` (skipped).
        Under ``drop`` a record that is only ambiguity codes becomes empty and is skipped (counted).
        """
        if not raw.isascii():
            match = _NOT_ASCII.search(raw)
            assert match is not None
            raise self._invalid(describe_record(record_id, number), raw, match.start())
        sequence: str | None = raw.upper()
        assert sequence is not None
        if _NOT_ACGT.search(sequence) is not None:
            sequence = self._apply_policy(record_id, number, raw, sequence)
            if sequence is None:
                return None
        elif not sequence:
            if self.ambiguity == "skip":
                self.counts.skipped_empty += 1
                return None
            raise self._fail(describe_record(record_id, number), "empty sequence")
        if self.strict:
            self._check_strict(describe_record(record_id, number), sequence)
        return sequence

    def check_block(self, block: list[tuple[str, str]], first_number: int) -> list[tuple[str, str]]:
        """Validate a list of ``(id, sequence)``; returns the kept ones, validated, in order.

        The common case (upper-case A/C/G/T only) is checked with one regex search over the whole
        block; only records with other characters go through :meth:`check`.
        """
        sequences = [sequence for _, sequence in block]
        joined = "".join(sequences)
        if self.strict or "" in sequences or not joined.isascii():
            return self._check_each(block, first_number)
        flagged = _flag_records(joined, sequences)
        if not flagged:
            return block
        kept = list(block)
        dropped: list[int] = []
        for index in flagged:  # ascending: the first bad record is the one reported
            record_id, raw = block[index]
            valid = self.check(record_id, first_number + index, raw)
            if valid is None:
                dropped.append(index)
            else:
                kept[index] = (record_id, valid)
        for index in reversed(dropped):
            del kept[index]
        return kept

    def _check_each(self, block: list[tuple[str, str]], first_number: int) -> list[tuple[str, str]]:
        kept: list[tuple[str, str]] = []
        for index, (record_id, raw) in enumerate(block):
            valid = self.check(record_id, first_number + index, raw)
            if valid is not None:
                kept.append((record_id, valid))
        return kept

    def _apply_policy(self, record_id: str, number: int, raw: str, sequence: str) -> str | None:
        record = describe_record(record_id, number)
        bad = _NOT_DNA.search(sequence)
        if bad is not None:
            raise self._invalid(record, raw, bad.start())
        if self.ambiguity == "skip":
            self.counts.skipped_ambiguous += 1
            return None
        if self.ambiguity == "error":
            first = _NOT_ACGT.search(sequence)
            assert first is not None
            raise self._invalid(record, raw, first.start())
        kept = sequence.translate(_DROP_AMBIGUOUS)
        self.counts.dropped_bases += len(sequence) - len(kept)
        if not kept:
            self.counts.skipped_empty += 1
            return None
        return kept

    def _check_strict(self, record: str, sequence: str) -> None:
        if len(sequence) % 3:
            problem = f"length {len(sequence)} is not a multiple of 3"
        elif not sequence.startswith("ATG"):
            problem = "does not start with ATG"
        elif not sequence.endswith(STOP_CODONS):
            problem = "does not end with a stop codon (TAA, TAG, TGA)"
        else:
            return
        raise self._fail(record, f"not valid DNA in strict mode: {problem}")
