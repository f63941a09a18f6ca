"""The hooks a dnagan plugin implements.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`. Each hook receives a
``register`` callback and calls it once per thing it provides::

    from dnagan import hookimpl

    @hookimpl
    def register_encoders(register):
        register(MyEncoder)

What each registered thing must be is described by :class:`dnagan.Encoder`,
:class:`dnagan.GeneratorArchitecture` and :class:`dnagan.Evaluator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT_NAME = "dnagan"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_encoders(register: Callable[[Any], None]) -> None:
    """Register encoders (DNA -> feature vector): call ``register(EncoderSubclass)`` for each."""


@hookspec
def register_generators(register: Callable[[Any], None]) -> None:
    """Register network architectures: call ``register(GeneratorArchitectureSubclass)``."""


@hookspec
def register_evaluators(register: Callable[[Any], None]) -> None:
    """Register evaluators (metrics): call ``register(EvaluatorSubclass)`` for each."""
