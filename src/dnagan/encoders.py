"""The encoder interface: DNA sequences -> fixed-length feature vectors.

An encoder is a subclass of :class:`Encoder` registered through the ``register_encoders`` hook. The
core hands it validated, upper-case ``A``/``C``/``G``/``T`` strings and checks what it returns with
:func:`encode_checked`.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from dnagan.errors import DnaganError, PluginError
from dnagan.options import NoOptions, options_to_dict, parse_options


class Encoder(abc.ABC):
    """Turns DNA sequences into a float32 matrix of shape ``(n, dim)``; must be deterministic.

    Subclasses set ``name`` (lower-case, used in CLI and file names), an optional ``description``
    and an ``Options`` frozen dataclass whose ``__post_init__`` raises ``ValueError`` on bad values.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def from_config(cls, values: Mapping[str, Any] | None = None) -> Encoder:
        """Create an encoder from raw option values (strings from the CLI or typed TOML values)."""
        return cls(parse_options(cls.Options, values or {}, f"encoder {cls.name!r}"))

    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Length of the feature vector."""

    def fit(self, sequences: Sequence[str]) -> None:  # noqa: B027 - optional hook
        """Learn data-dependent state from a corpus; the default encoder needs none."""

    @abc.abstractmethod
    def encode(self, sequences: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape ``(len(sequences), dim)``."""

    def state_dict(self) -> dict[str, Any]:
        """Fitted state as plain data (numbers, lists, numpy arrays); saved with the model."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:  # noqa: B027 - optional hook
        """Restore what :meth:`state_dict` returned."""

    def config(self) -> dict[str, Any]:
        """The encoder's name and options as plain data."""
        return {"name": self.name, "options": options_to_dict(self.options)}


def encode_checked(encoder: Encoder, sequences: Sequence[str], plugin: str = "") -> np.ndarray:
    """Run ``encoder.encode`` and verify the result: shape ``(n, dim)``, float32, all finite."""
    owner = f"encoder {encoder.name!r}" + (f" (plugin {plugin!r})" if plugin else "")
    try:
        result = encoder.encode(sequences)
    except DnaganError:
        raise
    except Exception as error:
        raise PluginError(f"{owner} failed: {type(error).__name__}: {error}") from error
    if not isinstance(result, np.ndarray):
        raise PluginError(f"{owner} returned {type(result).__name__}, expected a numpy array")
    expected = (len(sequences), encoder.dim)
    if result.shape != expected:
        raise PluginError(f"{owner} returned shape {result.shape}, expected {expected}")
    if result.dtype != np.float32:
        raise PluginError(f"{owner} returned dtype {result.dtype}, expected float32")
    if not np.isfinite(result).all():
        bad = int((~np.isfinite(result)).any(axis=1).argmax())
        raise PluginError(f"{owner} returned NaN or inf (first in sample {bad + 1})")
    return result
