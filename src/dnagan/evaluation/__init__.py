"""Evaluation: Inception weights and features, cached real statistics, metrics and their runner.

``EvaluationContext`` holds generated and real images (uint8 NHWC) and shares their Inception
features between evaluators; ``run_evaluators(context, ["fid", "kid"])`` runs evaluator plugins.
"""

from __future__ import annotations

from dnagan.evaluation.context import EvaluationContext
from dnagan.evaluation.inception import InceptionFeatures, to_uint8
from dnagan.evaluation.runner import run_evaluators

__all__ = ["EvaluationContext", "InceptionFeatures", "run_evaluators", "to_uint8"]
