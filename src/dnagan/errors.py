"""User-facing errors.

Every error a user can cause (bad input, bad configuration, a misbehaving plugin) is a
:class:`DnaganError`. The CLI prints its message on one line and exits with code 2; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class DnaganError(Exception):
    """An error caused by input, configuration or a plugin; reported on one line, exit code 2."""

    exit_code = 2


class InputError(DnaganError):
    """A DNA file, image folder or other input is unreadable or invalid."""


class ConfigError(DnaganError):
    """An option, preset, config file or name given by the user is invalid."""


class PluginError(DnaganError):
    """A plugin failed to load, registered a conflicting name, or returned something invalid."""


class OutputError(DnaganError):
    """An output location cannot be used (exists and is not empty, not writable, disk full)."""
