"""The ``average`` encoder: the original paper's 128-value latent.

Bases become numbers (A=0, C=1, G=2, T=3); each sequence is cut into ``windows`` contiguous windows
with :func:`numpy.array_split` semantics (the first ``L % windows`` windows are one base longer) and
each feature is the window's mean divided by 3, so it lies in [0, 1]. Computed for all sequences at
once from one cumulative sum; a sequence shorter than ``windows`` is an InputError naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnagan import Encoder, hookimpl

from ._codes import pack, require_length


@dataclass(frozen=True)
class AverageOptions:
    """``windows``: number of windows, i.e. the feature dimension (default 128, as the paper)."""

    windows: int = 128

    def __post_init__(self) -> None:
        if not 1 <= self.windows <= 1_000_000:
            raise ValueError(f"windows must be between 1 and 1000000, got {self.windows}")


class AverageEncoder(Encoder):
    """Mean base value (A=0 .. T=3, divided by 3) over contiguous windows, as in the paper."""

    name = "average"
    description = "paper's encoder: mean of A=0,C=1,G=2,T=3 over contiguous windows, / 3"
    Options = AverageOptions

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.windows: int = self.options.windows

    @property
    def dim(self) -> int:
        """One value per window."""
        return self.windows

    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        """Window means / 3 as float32 ``(n, windows)``."""
        packed = pack(sequences)
        require_length(packed.lengths, self.windows, f"windows={self.windows}")
        cumulative = np.zeros(packed.codes.size + 1, dtype=np.int64)
        np.cumsum(packed.codes, out=cumulative[1:])
        steps = np.arange(self.windows + 1, dtype=np.int64)
        base, extra = np.divmod(packed.lengths, self.windows)
        bounds = steps * base[:, None] + np.minimum(steps, extra[:, None])
        totals = np.diff(cumulative[packed.starts[:, None] + bounds], axis=1)
        means = totals / np.diff(bounds, axis=1)
        return (means / 3).astype(np.float32)


@hookimpl
def register_encoders(register: Any) -> None:
    """Provide the ``average`` encoder."""
    register(AverageEncoder)
