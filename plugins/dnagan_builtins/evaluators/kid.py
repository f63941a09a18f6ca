"""The ``kid`` evaluator (a thin wrapper around ``dnagan.evaluation.metrics``)."""

from __future__ import annotations

from typing import Any

from dnagan import hookimpl
from dnagan.evaluation.metrics import kid_metrics, metric_evaluator

Evaluator = metric_evaluator(
    "kid",
    "Unbiased kernel Inception distance (cubic kernel, 100 subsets) with its std",
    needs=("images", "reals", "features"),
    function=kid_metrics,
)


@hookimpl
def register_evaluators(register: Any) -> None:
    """Register the ``kid`` evaluator."""
    register(Evaluator)
