"""The ``dnagan`` command line.

Each command lives in its own ``*_cmd`` module of this package and attaches itself to :data:`app`;
errors are turned into one-line messages by :class:`dnagan.cli.app.DnaganGroup`.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

from dnagan.cli.app import app, state


def _load_commands() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.endswith("_cmd"):
            importlib.import_module(f"{__name__}.{module.name}")


_load_commands()


def configure_logging() -> None:
    """Send dnagan's log records (plugin warnings, progress notes) to stderr, one line each."""
    logger = logging.getLogger("dnagan")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def main() -> None:
    """Entry point of the ``dnagan`` console script and ``python -m dnagan``."""
    configure_logging()
    state.debug = "--debug" in sys.argv[1:]
    app(prog_name="dnagan")


__all__ = ["app", "configure_logging", "main"]
