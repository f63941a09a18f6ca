"""The ``diversity`` evaluator (a thin wrapper around ``dnagan.evaluation.metrics``)."""

from __future__ import annotations

from typing import Any

from dnagan import hookimpl
from dnagan.evaluation.metrics import diversity_metrics, metric_evaluator

Evaluator = metric_evaluator(
    "diversity",
    "RMS pairwise Inception-feature distance of generated images, raw and relative to reals",
    needs=("images", "reals", "features"),
    function=diversity_metrics,
)


@hookimpl
def register_evaluators(register: Any) -> None:
    """Register the ``diversity`` evaluator."""
    register(Evaluator)
