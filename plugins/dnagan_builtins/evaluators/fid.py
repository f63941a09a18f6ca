"""The ``fid`` evaluator (a thin wrapper around ``dnagan.evaluation.metrics``)."""

from __future__ import annotations

from typing import Any

from dnagan import hookimpl
from dnagan.evaluation.metrics import fid_metrics, metric_evaluator

Evaluator = metric_evaluator(
    "fid",
    "Frechet Inception distance to the real images (pytorch-fid numbers), with its count",
    needs=("images", "reals", "features"),
    function=fid_metrics,
)


@hookimpl
def register_evaluators(register: Any) -> None:
    """Register the ``fid`` evaluator."""
    register(Evaluator)
