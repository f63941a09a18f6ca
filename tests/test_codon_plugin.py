"""The example third-party plugin ``dnagan-codon``: installed, listed, and usable end to end.

If the package is not installed in the test environment (``make setup`` installs it), it is
installed once per session into a temporary folder with ``pip --target``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from plugin_packages import ROOT, failures_of, install_package, listed, run_python

from dnagan.plugins import reset_plugins

CODON = ROOT / "plugins" / "dnagan-codon"


def _installed() -> bool:
    points = metadata.entry_points(group="dnagan")
    return importlib.util.find_spec("dnagan_codon") is not None and "codon" in points.names


@pytest.fixture(scope="session")
def codon_site(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """None when dnagan-codon is installed already, else a folder it was installed into."""
    if _installed():
        return None
    site = tmp_path_factory.mktemp("codon-site")
    install_package(CODON, site)
    return site


@pytest.fixture
def with_codon(codon_site: Path | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path | None]:
    """Make the installed plugin visible to in-process CLI calls."""
    if codon_site is not None:
        monkeypatch.syspath_prepend(str(codon_site))
    reset_plugins()
    yield codon_site
    reset_plugins()
    sys.modules.pop("dnagan_codon", None)


def _has_command(cli, name: str) -> bool:  # type: ignore[no-untyped-def]
    return cli(name, "--help").exit_code == 0


def test_dnagan_plugins_lists_codon(cli, with_codon: Path | None) -> None:  # type: ignore[no-untyped-def]
    result = cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    assert listed(result.stdout, "encoders")["codon"]["plugin"] == "codon"
    assert failures_of(result.stdout, "codon") == []


def test_installed_console_script_lists_codon(codon_site: Path | None, tmp_path: Path) -> None:
    done = run_python(["-m", "dnagan", "plugins", "--json"], site=codon_site, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "codon" in listed(done.stdout, "encoders")


def test_the_plugins_own_tests_pass() -> None:
    done = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=CODON)
    assert done.returncode == 0, done.stdout + done.stderr


def test_encode_with_codon(cli, with_codon: Path | None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not _has_command(cli, "encode"):
        pytest.skip("dnagan encode does not exist yet (DNA/encoders issue)")
    import numpy as np

    (tmp_path / "reads.fa").write_text(">r1\nATGGCCTAA\n>r2\nTTAGGCCAT\n")
    result = cli(
        "encode", "reads.fa", "--encoder", "codon", "-o", "mode=amino", "-o", "frames=6",
        "--out", "features.npy",
    )
    assert result.exit_code == 0, result.stderr
    features = np.load(tmp_path / "features.npy")
    assert features.shape == (2, 21)
    np.testing.assert_array_equal(features[0], features[1])  # reverse complements, six frames


def test_run_and_generate_with_codon_at_smoke_size(  # type: ignore[no-untyped-def]
    cli, with_codon: Path | None, tmp_path: Path
) -> None:
    """Train with the third-party encoder, then generate from the saved model (encoder reloaded)."""
    if not _has_command(cli, "run"):
        pytest.skip("dnagan run does not exist yet (trainer issue 3)")
    run_dir = tmp_path / "run"
    result = cli(
        "run", "--encoder", "codon", "-o", "mode=amino", "--preset", "smoke",
        "--evaluators", "none", "--out", str(run_dir),
    )
    assert result.exit_code == 0, f"{result.stderr}{result.exception or ''}"
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["encoder"], config["encoder_options"]) == ("codon", {"mode": "amino"})
    images = tmp_path / "images"
    result = cli(
        "generate", str(run_dir), "--sequence", "ATGGCCAAGTTTGGCTAA", "--out", str(images)
    )
    assert result.exit_code == 0, f"{result.stderr}{result.exception or ''}"
    assert [p.name for p in images.iterdir()] == ["seq1.png"]


@pytest.mark.slow
def test_bench_average_against_codon_at_smoke_size(  # type: ignore[no-untyped-def]
    cli, with_codon: Path | None, tmp_path: Path
) -> None:
    """Slow (two smoke trainings plus FID): run with ``pytest -m slow``; the default suite covers
    training with codon above and the bench itself in the bench's own tests."""
    if not _has_command(cli, "bench"):
        pytest.skip("dnagan bench does not exist yet (evaluation/bench issue 4)")
    out = tmp_path / "bench"
    result = cli("bench", "--encoders", "average,codon", "--preset", "smoke", "--out", str(out))
    assert result.exit_code == 0, f"{result.stderr}{result.exception or ''}"
    report = (out / "report.md").read_text()
    assert "average" in report and "codon" in report
