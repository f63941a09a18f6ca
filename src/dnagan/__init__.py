"""dnagan: DNA sequences -> landscape images with a two-stage GAN, built from plugins.

The public API for plugin authors is what this module exports.
"""

from __future__ import annotations

from dnagan.encoders import Encoder, encode_checked
from dnagan.errors import ConfigError, DnaganError, InputError, OutputError, PluginError
from dnagan.evaluators import Evaluator
from dnagan.generators import GeneratorArchitecture, StageNetworks
from dnagan.hookspecs import hookimpl
from dnagan.options import NoOptions

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DnaganError",
    "Encoder",
    "Evaluator",
    "GeneratorArchitecture",
    "InputError",
    "NoOptions",
    "OutputError",
    "PluginError",
    "StageNetworks",
    "__version__",
    "encode_checked",
    "hookimpl",
]
