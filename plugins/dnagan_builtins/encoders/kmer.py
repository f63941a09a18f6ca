"""The ``kmer`` encoder: overlapping k-mer frequencies.

Each sequence of length L has L - k + 1 overlapping k-mers; the features are their counts divided by
that total. Feature order is lexicographic over A < C < G < T (``AAAA, AAAC, ..., TTTT`` for k=4),
see :meth:`KmerEncoder.feature_names`. With ``canonical=true`` each k-mer is merged with its reverse
complement and named by the lexicographically smaller of the two (136 features for k=4, 32 for k=3).
Counting is one ``numpy.bincount`` over base-4 k-mer codes of many sequences at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from dnagan import Encoder, hookimpl

from ._codes import PackedCodes, lengths_of, pack, require_length

_MAX_CELLS = 1 << 16  # counts matrix cells per bincount call (bounds memory for large k)


@dataclass(frozen=True)
class KmerOptions:
    """``k``: k-mer length, 1..8 (default 4); ``canonical``: merge reverse complements."""

    k: int = 4
    canonical: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.k <= 8:
            raise ValueError(f"k must be between 1 and 8, got {self.k}")


def kmer_columns(k: int, canonical: bool) -> np.ndarray:
    """For every base-4 k-mer code, its feature column."""
    codes = np.arange(4**k, dtype=np.int64)
    if not canonical:
        return codes
    reverse = np.zeros_like(codes)
    rest = codes.copy()
    for _ in range(k):
        reverse = reverse * 4 + (3 - rest % 4)
        rest //= 4
    representative = np.minimum(codes, reverse)
    return np.searchsorted(np.unique(representative), representative)


def kmer_cells(packed: PackedCodes, k: int, columns: np.ndarray) -> np.ndarray:
    """For every position, ``sequence index * dim + feature column`` of the k-mer starting there;
    k-mers that run past their sequence's end get ``count * dim`` (a discarded extra bin)."""
    dim = int(columns.max()) + 1
    total = packed.codes.size - k + 1
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    values = packed.codes[:total].astype(np.int64)
    for offset in range(1, k):
        values <<= 2
        values |= packed.codes[offset : offset + total]
    owner = np.repeat(np.arange(packed.count, dtype=np.int64), packed.lengths)[:total]
    cells = columns[values]
    cells += owner * dim
    outside = np.arange(total, dtype=np.int64) + k > (packed.starts + packed.lengths)[owner]
    cells[outside] = packed.count * dim
    return cells


class KmerEncoder(Encoder):
    """Overlapping k-mer frequencies (counts / (L - k + 1)), optionally canonical."""

    name = "kmer"
    description = (
        "overlapping k-mer frequencies (k=4: 256 features; canonical=true merges rev. comp.)"
    )
    Options = KmerOptions

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.k: int = self.options.k
        self._columns = kmer_columns(self.k, self.options.canonical)
        self._dim = int(self._columns.max()) + 1

    @property
    def dim(self) -> int:
        """4**k, or the number of canonical k-mers."""
        return self._dim

    def feature_names(self) -> list[str]:
        """The k-mer each feature column counts (canonical: the smaller of the pair)."""
        names: dict[int, str] = {}
        for code, letters in enumerate(product("ACGT", repeat=self.k)):
            names.setdefault(int(self._columns[code]), "".join(letters))
        return [names[column] for column in range(self._dim)]

    def counts(self, sequences: Sequence[str]) -> np.ndarray:
        """Raw k-mer counts, int64 ``(n, dim)``."""
        result = np.zeros((len(sequences), self._dim), dtype=np.int64)
        step = max(1, _MAX_CELLS // self._dim)
        for start in range(0, len(sequences), step):
            packed = pack(sequences[start : start + step])
            cells = kmer_cells(packed, self.k, self._columns)
            counted = np.bincount(cells, minlength=packed.count * self._dim + 1)[:-1]
            result[start : start + packed.count] = counted.reshape(packed.count, self._dim)
        return result

    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        """k-mer frequencies as float32 ``(n, dim)``; a sequence shorter than k is an InputError."""
        require_length(lengths_of(sequences), self.k, f"k={self.k}")
        counts = self.counts(sequences)
        totals = counts.sum(axis=1, keepdims=True)
        return (counts / totals).astype(np.float32)


@hookimpl
def register_encoders(register: Any) -> None:
    """Provide the ``kmer`` encoder."""
    register(KmerEncoder)
