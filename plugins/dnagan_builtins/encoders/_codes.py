"""Shared numpy helpers for the built-in encoders: A/C/G/T strings -> base-4 codes, vectorised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dnagan.errors import InputError

_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate(b"ACGT"):
    _LOOKUP[_base] = _code


@dataclass(frozen=True)
class PackedCodes:
    """Sequences as one concatenated uint8 array of codes A=0, C=1, G=2, T=3 plus their bounds."""

    codes: np.ndarray  # uint8, (total,)
    lengths: np.ndarray  # int64, (n,)
    starts: np.ndarray  # int64, (n,) offsets into codes

    @property
    def count(self) -> int:
        """Number of sequences."""
        return int(self.lengths.shape[0])


def pack(sequences: Sequence[str]) -> PackedCodes:
    """Concatenate ``sequences`` into codes; a character other than A/C/G/T is a ValueError."""
    joined = "".join(sequences).encode("ascii", errors="replace")
    codes = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)]
    lengths = lengths_of(sequences)
    if codes.size and int(codes.max()) > 3:
        position = int(np.argmax(codes > 3))
        index = int(np.searchsorted(np.cumsum(lengths), position, side="right"))
        raise ValueError(f"sample {index + 1} contains a character other than A, C, G, T")
    starts = np.zeros(len(sequences), dtype=np.int64)
    if len(sequences) > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    return PackedCodes(codes, lengths, starts)


def lengths_of(sequences: Sequence[str]) -> np.ndarray:
    """Sequence lengths as int64."""
    return np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))


def require_length(lengths: np.ndarray, minimum: int, what: str) -> None:
    """Raise InputError naming the first sample shorter than ``minimum`` (``what`` explains why)."""
    short = lengths < minimum
    if short.any():
        index = int(np.argmax(short))
        raise InputError(
            f"sample {index + 1} has length {int(lengths[index])}, shorter than {what}"
        )
