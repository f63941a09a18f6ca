"""Plugin loading: built-ins listed, broken plugins isolated, conflicts named, outputs checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dnagan import Encoder, hookimpl
from dnagan.plugins import get_plugins, reset_plugins
from dnagan.testing import registered_plugin


def listing(cli: Any) -> dict[str, Any]:
    result = cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_builtin_encoders_listed_with_structure(cli: Any) -> None:
    data = listing(cli)
    assert set(data) >= {"encoders", "generators", "evaluators", "errors"}
    encoders = {entry["name"]: entry for entry in data["encoders"]}
    assert {"average", "kmer", "sgt"} <= set(encoders)
    assert encoders["average"]["plugin"] == "average"
    assert encoders["kmer"]["plugin"] == "kmer" and encoders["sgt"]["plugin"] == "sgt"
    for kind in ("encoders", "generators", "evaluators"):
        assert all({"name", "plugin"} <= set(entry) for entry in data[kind])
    assert all({"plugin", "error"} <= set(entry) for entry in data["errors"])


def test_plugins_table_output(cli: Any) -> None:
    result = cli("plugins")
    assert result.exit_code == 0
    assert "average" in result.stdout and "sgt" in result.stdout


@pytest.fixture
def broken_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A third-party distribution whose plugin module raises at import."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "brokenplug.py").write_text("raise RuntimeError('this plugin is broken on purpose')\n")
    info = site / "brokenplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dnagan]\nbrokenplug = brokenplug\n")
    monkeypatch.syspath_prepend(str(site))
    reset_plugins()
    return site


def test_broken_third_party_plugin_is_reported(cli: Any, broken_distribution: Path) -> None:
    data = listing(cli)
    failures = {entry["plugin"]: entry["error"] for entry in data["errors"]}
    assert "brokenplug" in failures
    assert "broken on purpose" in failures["brokenplug"]
    assert {"average", "kmer", "sgt"} <= {entry["name"] for entry in data["encoders"]}
    encoded = cli("encode", "-e", "kmer", "--sequence", "ACGTACGT", "--out", "x.npy")
    assert encoded.exit_code == 0, encoded.stderr


def test_dnagan_plugins_env_limits_third_party(
    cli: Any, broken_distribution: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DNAGAN_PLUGINS", "")
    reset_plugins()
    data = listing(cli)
    assert "brokenplug" not in {entry["plugin"] for entry in data["errors"]}
    assert {"average", "kmer", "sgt"} <= {entry["name"] for entry in data["encoders"]}
    monkeypatch.setenv("DNAGAN_PLUGINS", "brokenplug")
    reset_plugins()
    assert "brokenplug" in {entry["plugin"] for entry in listing(cli)["errors"]}


class RaisingHook:
    @hookimpl
    def register_encoders(self, register: Any) -> None:
        raise RuntimeError("hook exploded")


def test_plugin_whose_hook_raises(cli: Any) -> None:
    with registered_plugin(RaisingHook(), "raiser"):
        failures = {f.plugin: f.error for f in get_plugins().errors}
        assert "raiser" in failures and "hook exploded" in failures["raiser"]
        assert "sgt" in get_plugins().encoders


def make_encoder(name: str, result: Any) -> type[Encoder]:
    class Custom(Encoder):
        @property
        def dim(self) -> int:
            return 4

        def encode(self, sequences: Any) -> np.ndarray:
            return result(len(sequences))  # type: ignore[no-any-return]

    Custom.name = name
    return Custom


def plugin_for(encoder: type[Encoder]) -> object:
    class Plugin:
        @hookimpl
        def register_encoders(self, register: Any) -> None:
            register(encoder)

    return Plugin()


def test_duplicate_encoder_name_names_both_plugins(cli: Any) -> None:
    duplicate = make_encoder("kmer", lambda n: np.zeros((n, 4), np.float32))
    with registered_plugin(plugin_for(duplicate), "copycat"):
        errors = " ".join(f.error for f in get_plugins().errors)
        assert "'kmer'" in errors and "'copycat'" in errors
        result = cli("encode", "-e", "kmer", "--sequence", "ACGTACGT", "--out", "x.npy")
    assert result.exit_code == 2
    assert "'kmer'" in result.stderr and "'copycat'" in result.stderr


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (lambda n: np.zeros((n, 3), np.float32), "shape"),
        (lambda n: np.zeros((n, 4), np.float64), "dtype"),
        (lambda n: np.full((n, 4), np.nan, np.float32), "NaN"),
        (lambda n: [[0.0] * 4] * n, "numpy array"),
    ],
)
def test_misbehaving_encoder_is_a_plugin_error(
    cli: Any, tmp_path: Path, result: Any, expected: str
) -> None:
    encoder = make_encoder("wonky", result)
    with registered_plugin(plugin_for(encoder), "wonky-plugin"):
        outcome = cli("encode", "-e", "wonky", "--sequence", "ACGT", "--out", "x.npy")
    assert outcome.exit_code == 2
    assert "'wonky'" in outcome.stderr and "'wonky-plugin'" in outcome.stderr
    assert expected in outcome.stderr
    assert not (tmp_path / "x.npy").exists()
