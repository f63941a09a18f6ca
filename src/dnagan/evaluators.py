"""The evaluator interface: metrics computed on generated images.

An evaluator is a subclass of :class:`Evaluator` registered through the ``register_evaluators``
hook. It declares what it needs and returns a flat mapping of metric names to numbers.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar


class Evaluator(abc.ABC):
    """Computes metrics from an :class:`dnagan.evaluation.EvaluationContext`.

    ``needs`` lists what the evaluator uses: any of ``"images"`` (generated uint8 images),
    ``"reals"`` (training images), ``"features"`` (Inception features of both), ``"sequences"``
    (the DNA the images were made from) and ``"generate"`` (a function DNA -> images).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    needs: ClassVar[frozenset[str]] = frozenset({"images"})

    @abc.abstractmethod
    def evaluate(self, context: Any) -> Mapping[str, float | int | bool | str]:
        """Return metric values, e.g. ``{"fid": 81.2, "fid_n": 2048}``."""
