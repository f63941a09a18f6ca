"""Combine per-seed run summaries into one row per encoder (mean and spread)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Metrics shown in the report table, in order: (key in results, column title, decimals).
TABLE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("fid", "FID", 1),
    ("fid_stage1", "FID stage 1", 1),
    ("kid", "KID", 4),
    ("diversity_relative", "diversity (rel.)", 3),
    ("locality", "locality", 3),
    ("determinism", "deterministic", 0),
    ("encode_per_s", "encode seq/s", 0),
    ("train_seconds", "train s", 0),
)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return float(value)
    return None


def aggregate(encoder: str, summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One row for ``encoder``: every numeric metric's mean, and its std as ``<key>_spread``.

    ``kid_std`` (KID's own subset spread) is averaged like any metric; with a single seed the spread
    of each metric is 0 and ``seeds`` is 1. Non-numeric values are kept from the first summary.
    """
    row: dict[str, Any] = {"encoder": encoder, "seeds": len(summaries)}
    keys = sorted({key for summary in summaries for key in summary})
    for key in keys:
        values = [_numeric(s.get(key)) for s in summaries]
        numbers = [v for v in values if v is not None]
        if numbers and len(numbers) == len(values):
            original = summaries[0][key]
            mean = float(np.mean(numbers))
            if isinstance(original, bool):
                row[key] = bool(mean == 1.0)
            elif isinstance(original, int) and mean.is_integer():
                row[key] = int(mean)
            else:
                row[key] = mean
            if len(numbers) > 1 and not isinstance(original, bool):
                row[f"{key}_spread"] = float(np.std(numbers, ddof=1))
        elif key not in row:
            row[key] = summaries[0].get(key)
    return row


def format_value(row: Mapping[str, Any], key: str, decimals: int) -> str:
    """A table cell: ``12.3 ± 0.4`` with a spread, ``yes``/``no`` for booleans, ``–`` if absent."""
    value = row.get(key)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:.{decimals}f}"
    spread = row.get(f"{key}_spread")
    if key == "kid" and row.get("kid_std") is not None:
        spread = row["kid_std"]
    if isinstance(spread, (int, float)):
        text += f" ± {spread:.{decimals}f}"
    return text
