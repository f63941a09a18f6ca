"""Picklable test plugins: the ``tiny`` generator, a cheap metric and a failing encoder.

Module-level classes, so that bench worker processes can re-register them (see
:func:`dnagan.plugins.runtime_plugins`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dnagan import Encoder, Evaluator, hookimpl
from dnagan.errors import InputError
from dnagan.training.tiny import TinyPlugin


class MeanPixel(Evaluator):
    """A cheap stand-in metric: the mean pixel value of the fakes."""

    name = "meanpixel"
    needs = frozenset({"images"})

    def evaluate(self, context: Any) -> Mapping[str, float | int | bool | str]:
        return {"meanpixel": float(context.fakes.mean()), "meanpixel_n": len(context.fakes)}


class RefusingEncoder(Encoder):
    """Fails every encode with an :class:`InputError` (a plugin rejecting its input)."""

    name = "refusing"

    @property
    def dim(self) -> int:
        return 4

    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        raise InputError("refusing: this encoder accepts no sequence")


class TestPlugins:
    """``tiny`` generator, ``meanpixel`` evaluator and ``refusing`` encoder."""

    @hookimpl
    def register_generators(self, register: Any) -> None:
        TinyPlugin().register_generators(register)

    @hookimpl
    def register_evaluators(self, register: Any) -> None:
        register(MeanPixel)

    @hookimpl
    def register_encoders(self, register: Any) -> None:
        register(RefusingEncoder)
