"""dnagan-codon: a third-party dnagan encoder reading DNA as codons.

The ``codon`` encoder counts codons (non-overlapping base triplets) in 1, 3 or 6 reading frames
and returns their frequencies: codon usage (64 features) or, through the standard genetic code,
amino-acid composition (20 amino acids + stop = 21 features). It uses only dnagan's public API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from Bio.Data.CodonTable import standard_dna_table

from dnagan import Encoder, hookimpl

__version__ = "0.1.0"

BASES = "ACGT"
CODONS = tuple(a + b + c for a in BASES for b in BASES for c in BASES)
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY*"  # the 20 amino acids, then "*" for stop codons

_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate(BASES):
    _LOOKUP[ord(_base)] = _code
_WEIGHTS = np.array([16, 4, 1], dtype=np.int64)


def _amino_of_codon() -> np.ndarray:
    """Index into AMINO_ACIDS for each of the 64 codons, from Biopython's standard table."""
    table = standard_dna_table
    assert table is not None, "Biopython did not define the standard genetic code"
    letters = [table.forward_table.get(codon, "*") for codon in CODONS]
    stops = {codon for codon, aa in zip(CODONS, letters, strict=True) if aa == "*"}
    assert stops == set(table.stop_codons), "codons missing from the standard table"
    return np.array([AMINO_ACIDS.index(aa) for aa in letters], dtype=np.int64)


def _reverse_complement_of_codon() -> np.ndarray:
    """Codon index -> index of its reverse complement (A<->T, C<->G, reversed)."""
    result = np.empty(64, dtype=np.int64)
    for index in range(64):
        a, b, c = index // 16, index // 4 % 4, index % 4
        result[index] = (3 - c) * 16 + (3 - b) * 4 + (3 - a)
    return result


AMINO_OF_CODON = _amino_of_codon()
AMINO_MATRIX = np.eye(len(AMINO_ACIDS), dtype=np.int64)[AMINO_OF_CODON]  # (64, 21) one-hot
REVERSE_COMPLEMENT_OF_CODON = _reverse_complement_of_codon()


@dataclass(frozen=True)
class CodonOptions:
    """Options of the ``codon`` encoder.

    ``mode``: ``codons`` (64 codon frequencies) or ``amino`` (21 amino-acid/stop frequencies).
    ``frames``: 1 (the frame starting at the first base), 3 (all forward frames) or 6 (forward
    frames and the three frames of the reverse complement).
    """

    mode: Literal["codons", "amino"] = "codons"
    frames: Literal[1, 3, 6] = 3


def codon_counts(sequences: Sequence[str], frames: int) -> np.ndarray:
    """Counts of the 64 codons (``AAA`` = 0 .. ``TTT`` = 63) per sequence: int64 ``(n, 64)``.

    All sequences are handled in one vectorised pass: the triplet starting at every position of
    the concatenated sequences is indexed, and triplets that cross into the next sequence (or lie
    outside frame 1 when ``frames == 1``) are masked out.
    """
    n = len(sequences)
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=n)
    joined = "".join(sequences).encode("ascii", "replace")
    codes = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)]
    invalid = np.flatnonzero(codes == 255)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    if invalid.size:
        row = int(np.searchsorted(starts, invalid[0], side="right")) - 1
        position = int(invalid[0] - starts[row]) + 1
        raise ValueError(
            f"sequence {row + 1}: unexpected symbol at position {position} (need A, C, G, T)"
        )
    counts = np.zeros((n, 64), dtype=np.int64)
    if codes.size < 3:
        return counts
    triplets = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int64), 3) @ _WEIGHTS
    rows = np.repeat(np.arange(n), lengths)[: triplets.size]
    offset = np.arange(triplets.size) - starts[rows]
    keep = offset + 3 <= lengths[rows]
    if frames == 1:
        keep &= offset % 3 == 0
    rows, triplets = rows[keep], triplets[keep]
    counts += np.bincount(rows * 64 + triplets, minlength=n * 64).reshape(n, 64)
    if frames == 6:
        # Frame k of the reverse complement reads the reverse complements of forward triplets.
        reverse = REVERSE_COMPLEMENT_OF_CODON[triplets]
        counts += np.bincount(rows * 64 + reverse, minlength=n * 64).reshape(n, 64)
    return counts


class CodonEncoder(Encoder):
    """Codon usage or amino-acid composition in reading frames; sequences under 3 bases give 0s."""

    name = "codon"
    description = "Codon usage (64) or amino-acid composition (21) in 1, 3 or 6 reading frames"
    Options = CodonOptions

    options: CodonOptions

    @property
    def dim(self) -> int:
        """64 codons, or 21 (20 amino acids and stop)."""
        return 64 if self.options.mode == "codons" else len(AMINO_ACIDS)

    def feature_names(self) -> list[str]:
        """What each column means: codons ``AAA``..``TTT`` or amino-acid letters (``*`` = stop)."""
        return list(CODONS) if self.options.mode == "codons" else list(AMINO_ACIDS)

    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        """Frequencies per sequence (rows sum to 1; all zero when no full codon fits)."""
        counts = codon_counts(sequences, self.options.frames)
        if self.options.mode == "amino":
            counts = counts @ AMINO_MATRIX
        totals = counts.sum(axis=1, keepdims=True)
        frequencies = counts / np.maximum(totals, 1)
        return frequencies.astype(np.float32)


@hookimpl
def register_encoders(register: Any) -> None:
    """Provide the ``codon`` encoder."""
    register(CodonEncoder)
