"""Run evaluators by name on one :class:`EvaluationContext` and merge what they return."""

from __future__ import annotations

from collections.abc import Sequence

from dnagan.errors import ConfigError, PluginError
from dnagan.evaluation.context import EvaluationContext
from dnagan.plugins import get_plugins

#: What an evaluation returns: metric name -> number, flag or note.
Metrics = dict[str, float | int | bool | str]


def missing_needs(context: EvaluationContext, needs: frozenset[str]) -> list[str]:
    """The needs of an evaluator that ``context`` cannot satisfy."""
    available = {"images", "reals", "features"}
    if context.sequences:
        available.add("sequences")
    if context.generate is not None:
        available.add("generate")
    return sorted(needs - available)


def run_evaluators(context: EvaluationContext, names: Sequence[str], prefix: str = "") -> Metrics:
    """Run the evaluators registered as ``names`` and return their merged metrics, keys prefixed.

    Unknown names raise :class:`ConfigError` listing the valid ones (before anything runs); an
    evaluator whose needs the context lacks is a ConfigError too; one returning a non-mapping or a
    duplicate key is a :class:`PluginError`.
    """
    registry = get_plugins().evaluators
    registrations = [registry.get(name) for name in names]
    for registration in registrations:
        missing = missing_needs(context, registration.item.needs)
        if missing:
            raise ConfigError(
                f"evaluator {registration.name!r} needs {', '.join(missing)}, "
                "which this evaluation does not provide"
            )
    metrics: Metrics = {}
    for registration in registrations:
        result = registration.item().evaluate(context)
        if not hasattr(result, "items"):
            raise PluginError(
                f"evaluator {registration.name!r} (plugin {registration.plugin!r}) "
                f"returned {type(result).__name__}, expected a mapping"
            )
        for key, value in result.items():
            name = f"{prefix}{key}"
            if name in metrics:
                raise PluginError(
                    f"evaluator {registration.name!r} returned duplicate metric {key!r}"
                )
            metrics[name] = value
    return metrics
