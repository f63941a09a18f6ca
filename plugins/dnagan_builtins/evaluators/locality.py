"""The ``locality`` evaluator (a thin wrapper around ``dnagan.evaluation.metrics``)."""

from __future__ import annotations

from typing import Any

from dnagan import hookimpl
from dnagan.evaluation.metrics import locality_metrics, metric_evaluator

Evaluator = metric_evaluator(
    "locality",
    "Image distance of single-point DNA mutants over that of unrelated sequences",
    needs=("sequences", "generate", "features"),
    function=locality_metrics,
)


@hookimpl
def register_evaluators(register: Any) -> None:
    """Register the ``locality`` evaluator."""
    register(Evaluator)
