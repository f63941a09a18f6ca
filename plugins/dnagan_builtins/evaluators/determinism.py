"""The ``determinism`` evaluator (a thin wrapper around ``dnagan.evaluation.metrics``)."""

from __future__ import annotations

from typing import Any

from dnagan import hookimpl
from dnagan.evaluation.metrics import determinism_metrics, metric_evaluator

Evaluator = metric_evaluator(
    "determinism",
    "Whether the same DNA twice gives bit-identical images",
    needs=("sequences", "generate"),
    function=determinism_metrics,
)


@hookimpl
def register_evaluators(register: Any) -> None:
    """Register the ``determinism`` evaluator."""
    register(Evaluator)
