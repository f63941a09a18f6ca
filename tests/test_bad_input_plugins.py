"""Misbehaving plugins: a broken one never takes dnagan down, a bad result is a clean error.

A plugin that fails to import or whose hook raises is reported as one warning line and everything
else keeps working; an encoder that returns the wrong shape, dtype, NaN or inf, or raises, stops
the command with one ``error:`` line naming the encoder and its plugin, exit 2, and no output.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reliability_support import LogLines, assert_clean_error

from dnagan import Encoder, hookimpl
from dnagan.plugins import get_plugins, reset_plugins
from dnagan.testing import registered_plugin

SEQUENCE = "ACGT" * 40


def encoder_class(name: str, behaviour: Any, dim: Any = 4) -> type[Encoder]:
    """An encoder called ``name`` whose ``encode`` is ``behaviour(n)``."""

    class Custom(Encoder):
        @property
        def dim(self) -> int:
            return dim  # type: ignore[no-any-return]

        def encode(self, sequences: Any) -> np.ndarray:
            return behaviour(len(sequences))  # type: ignore[no-any-return]

    Custom.name = name
    return Custom


class EncoderPlugin:
    """A plugin object registering the given encoder classes."""

    def __init__(self, *encoders: type[Encoder]) -> None:
        self.encoders = encoders

    @hookimpl
    def register_encoders(self, register: Any) -> None:
        for encoder in self.encoders:
            register(encoder)


def _raise(error: BaseException) -> Any:
    def behaviour(n: int) -> Any:
        raise error

    return behaviour


MISBEHAVIOUR = {
    "wrong-shape": (lambda n: np.zeros((n, 3), np.float32), "shape"),
    "wrong-row-count": (lambda n: np.zeros((n + 1, 4), np.float32), "shape"),
    "wrong-ndim": (lambda n: np.zeros((n, 4, 1), np.float32), "shape"),
    "wrong-dtype": (lambda n: np.zeros((n, 4), np.float64), "dtype"),
    "integer-dtype": (lambda n: np.zeros((n, 4), np.int32), "dtype"),
    "nan": (lambda n: np.full((n, 4), np.nan, np.float32), "NaN"),
    "inf": (lambda n: np.full((n, 4), np.inf, np.float32), "inf"),
    "minus-inf-in-second-sample": (
        lambda n: np.array([[0] * 4] + [[-np.inf] * 4] * (n - 1), np.float32), "sample 2"),
    "not-an-array": (lambda n: [[0.0] * 4] * n, "numpy array"),
    "none": (lambda n: None, "NoneType"),
    "raises-value-error": (_raise(ValueError("bad thing")), "ValueError"),
    "raises-key-error": (_raise(KeyError("k")), "KeyError"),
}


@pytest.mark.parametrize("case", sorted(MISBEHAVIOUR))
def test_misbehaving_encoder_is_a_clean_plugin_error(cli: Any, tmp_path: Path, case: str) -> None:
    behaviour, fragment = MISBEHAVIOUR[case]
    out = tmp_path / "features.npy"
    with registered_plugin(EncoderPlugin(encoder_class("wonky", behaviour)), "wonky-plugin"):
        result = cli("encode", "-e", "wonky", "--sequence", SEQUENCE, "--sequence", SEQUENCE,
                     "--out", str(out))
    message = assert_clean_error(result, "'wonky'", "'wonky-plugin'", fragment)
    assert SEQUENCE[:20] not in message
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


def test_encoder_raising_runtime_error_is_a_clean_plugin_error(cli: Any, tmp_path: Path) -> None:
    encoder = encoder_class("wonky", _raise(RuntimeError("kaboom")))
    with registered_plugin(EncoderPlugin(encoder), "wonky-plugin"):
        result = cli("encode", "-e", "wonky", "--sequence", SEQUENCE,
                     "--out", str(tmp_path / "f.npy"))
    assert_clean_error(result, "'wonky'", "RuntimeError")


def test_duplicate_encoder_name_is_reported_and_refused(cli: Any, tmp_path: Path) -> None:
    copy = encoder_class("kmer", lambda n: np.zeros((n, 4), np.float32))
    with registered_plugin(EncoderPlugin(copy), "copycat"):
        listing = cli("plugins", "--json")
        assert listing.exit_code == 0 and "copycat" in listing.stdout
        result = cli("encode", "-e", "kmer", "--sequence", SEQUENCE,
                     "--out", str(tmp_path / "f.npy"))
        other = cli("encode", "-e", "average", "--sequence", SEQUENCE,
                    "--out", str(tmp_path / "g.npy"))
    assert_clean_error(result, "'kmer'", "'copycat'")
    assert not (tmp_path / "f.npy").exists()
    assert other.exit_code == 0, other.stderr  # the rest keeps working


@pytest.mark.parametrize("bad_name", ["Bad Name", "", "../escape", "x" * 80])
def test_invalid_encoder_name_is_refused(bad_name: str) -> None:
    encoder = encoder_class(bad_name, lambda n: np.zeros((n, 4), np.float32))
    with registered_plugin(EncoderPlugin(encoder), "badly-named"):
        plugins = get_plugins()
        assert bad_name not in plugins.encoders
        assert any(f.plugin == "badly-named" and "invalid name" in f.error for f in plugins.errors)


class RaisingHook:
    """A plugin whose registration hook raises."""

    @hookimpl
    def register_encoders(self, register: Any) -> None:
        raise RuntimeError("hook exploded")


def test_hook_that_raises_leaves_the_cli_working(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "f.npy"
    with registered_plugin(RaisingHook(), "raiser"):
        result = cli("encode", "-e", "average", "--sequence", SEQUENCE, "--out", str(out))
        listing = cli("plugins", "--json")
    assert result.exit_code == 0 and out.exists(), result.stderr
    assert "Traceback" not in result.stderr
    assert "hook exploded" in listing.stdout


def test_plugin_import_error_is_one_warning_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = metadata.entry_points

    def with_broken(**kwargs: Any) -> Any:
        found: list[Any] = list(real(**kwargs))
        if kwargs.get("group") == "dnagan":
            found.append(metadata.EntryPoint(
                name="broken", value="dnagan_no_such_module_x1", group="dnagan"))
        return found

    monkeypatch.setattr("dnagan.plugins.metadata.entry_points", with_broken)
    reset_plugins()
    out = tmp_path / "f.npy"
    with LogLines() as logs:
        result = cli("encode", "-e", "kmer", "--sequence", SEQUENCE, "--out", str(out))
    assert result.exit_code == 0 and out.exists(), result.stderr
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    # dnagan's log handler writes to the process's stderr; the records are checked here
    warning = [message for message in logs.messages if "'broken'" in message]
    assert len(warning) == 1 and "ModuleNotFoundError" in warning[0] and "\n" not in warning[0]
    unknown = cli("encode", "-e", "broken", "--sequence", SEQUENCE, "--out", str(out) + "2")
    assert_clean_error(unknown, "unknown encoder 'broken'")


def test_encoder_with_bad_dim_is_a_clean_error(cli: Any, tmp_path: Path) -> None:
    encoder = encoder_class("wonky", lambda n: np.zeros((n, 4), np.float32), dim=3)
    with registered_plugin(EncoderPlugin(encoder), "wonky-plugin"):
        result = cli("encode", "-e", "wonky", "--sequence", SEQUENCE,
                     "--out", str(tmp_path / "f.npy"))
    assert_clean_error(result, "shape", "(1, 3)")
