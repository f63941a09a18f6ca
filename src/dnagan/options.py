"""Typed, validated options for plugins.

A plugin declares its options as a frozen dataclass; users give them as ``KEY=VALUE`` strings on the
command line or as typed values in a TOML file. :func:`parse_options` coerces and validates them and
raises :class:`~dnagan.errors.ConfigError` naming the plugin and the option on any problem.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from dnagan.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class NoOptions:
    """Options of a plugin that takes none."""


T = TypeVar("T")

_NUMBERS: dict[Any, str] = {int: "an integer", float: "a number"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    origin = get_origin(annotation)
    if origin is Literal:
        choices = get_args(annotation)
        for choice in choices:
            if value == choice or (isinstance(value, str) and str(choice) == value):
                return choice
        valid = ", ".join(str(c) for c in choices)
        raise ConfigError(f"{where}: {value!r} is not one of: {valid}")
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in {"none", ""}):
            return None
        return _coerce(value, args[0], where)
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if annotation in _NUMBERS:
        accepted = (int,) if annotation is int else (int, float)
        if not isinstance(value, bool):
            if isinstance(value, accepted):
                return annotation(value)
            if isinstance(value, str):
                try:
                    return annotation(value)
                except ValueError:
                    pass
        raise ConfigError(f"{where}: expected {_NUMBERS[annotation]}, got {value!r}")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def parse_key_values(pairs: Iterable[str]) -> dict[str, str]:
    """Turn ``["k=4", "canonical=true"]`` into a dict; a pair without ``=`` is a ConfigError."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"option {pair!r} is not of the form KEY=VALUE")
        result[key.strip().replace("-", "_")] = value.strip()
    return result


def parse_options(options_class: type[T], values: Mapping[str, Any], owner: str) -> T:
    """Build ``options_class`` from ``values``, coercing types; errors name ``owner``, option."""
    if not dataclasses.is_dataclass(options_class):
        raise ConfigError(f"{owner}: its Options is not a dataclass")
    hints = typing.get_type_hints(options_class)
    fields = {f.name: f for f in dataclasses.fields(options_class) if f.init}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        valid = ", ".join(sorted(fields)) or "none"
        raise ConfigError(f"{owner}: unknown option {unknown[0]!r} (valid options: {valid})")
    kwargs = {
        key: _coerce(value, hints[key], f"{owner} option {key!r}") for key, value in values.items()
    }
    try:
        return options_class(**kwargs)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{owner}: {error}") from None


def options_to_dict(options: Any) -> dict[str, Any]:
    """The plain-data form of an options dataclass (for configs and checkpoints)."""
    if dataclasses.is_dataclass(options) and not isinstance(options, type):
        return dataclasses.asdict(options)
    return {}
