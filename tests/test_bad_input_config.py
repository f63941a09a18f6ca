"""Bad configuration, through ``dnagan run``: one clean line, exit 2, and no run folder left.

Every check runs before training starts, so these tests are fast; the run folder (``--out``) must
not exist afterwards (a configuration error never leaves a half-made run behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_support import assert_clean_error

BASE = ("run", "--encoder", "average", "--preset", "smoke", "--evaluators", "none")

# (case id, extra arguments, TOML file text or None, fragments of the message)
CASES: list[tuple[str, tuple[str, ...], str | None, tuple[str, ...]]] = [
    ("unknown-preset", ("--preset", "nope"), None, ("unknown preset 'nope'", "smoke")),
    ("unknown-encoder", ("--encoder", "nope"), None, ("unknown encoder 'nope'", "average")),
    ("unknown-generator", ("--set", "generator=nope"), None, ("unknown generator 'nope'",)),
    ("unknown-evaluator", ("--evaluators", "fid,nope"), None, ("unknown evaluator 'nope'",)),
    ("zero-steps", ("--steps1", "0"), None, ("steps must be positive", "0")),
    ("negative-steps", ("--steps2", "-3"), None, ("steps must be positive", "-3")),
    ("zero-batch-size", ("--batch-size", "0"), None, ("batch_size must be positive",)),
    ("zero-epochs", ("--epochs1", "0"), None, ("epochs must be positive",)),
    ("toml-wrong-type", (), 'seed = "abc"\n', ("config.toml", "'seed'", "expected an integer")),
    ("toml-wrong-type-in-stage", (), '[stage1]\nsteps = "ten"\n',
     ("config.toml", "[stage1]", "'steps'")),
    ("toml-stage-not-a-table", (), "stage1 = 3\n", ("config.toml", "'stage1' must be a table")),
    ("toml-unknown-key", (), "sede = 1\n", ("config.toml", "unknown option 'sede'")),
    ("toml-unknown-stage-key", (), "[stage1]\nstepz = 3\n",
     ("config.toml", "[stage1]", "unknown option 'stepz'")),
    ("toml-syntax-error", (), "seed = [1\n", ("config.toml", "invalid TOML")),
    ("toml-not-utf8", (), "\udcff", ("config.toml", "invalid TOML")),
    ("toml-list-of-wrong-type", (), "evaluators = [1, 2]\n", ("evaluators",)),
    ("missing-config-file", ("--config", "absent.toml"), None, ("absent.toml", "cannot read")),
    ("override-unknown-key", ("--set", "foo=1"), None, ("unknown option 'foo'",)),
    ("override-wrong-type", ("--set", "stage1.steps=abc"), None,
     ("'steps'", "expected an integer")),
    ("override-without-equals", ("--set", "stage1.steps"), None, ("not of the form KEY=VALUE",)),
    ("override-into-scalar", ("--set", "seed.x=1"), None, ("has no fields",)),
    ("encoder-option-out-of-range", ("-o", "windows=-1"), None, ("encoder 'average'", "windows")),
    ("encoder-option-unknown", ("-o", "zzz=1"), None, ("unknown option 'zzz'",)),
    ("encoder-option-without-equals", ("-o", "windows"), None, ("KEY=VALUE",)),
    ("ambiguity-policy", ("--ambiguity", "maybe"), None, ("--ambiguity", "'maybe'")),
    ("group-zero", ("--group", "0"), None, ("--group",)),
    ("device-unknown", ("--device", "tpu"), None, ("'tpu'", "cpu")),
    ("latent-dim-zero", ("--set", "latent_dim=0"), None, ("latent_dim must be positive",)),
    ("holdout-fraction", ("--set", "holdout_fraction=1.5"), None, ("holdout_fraction",)),
    ("ema-decay", ("--set", "ema_decay=2"), None, ("ema_decay",)),
    ("loss-unknown", ("--set", 'loss="wgan"'), None, ("'wgan'", "hinge")),
]


@pytest.mark.parametrize(("extra", "toml", "fragments"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_configuration(
    cli: Any, tmp_path: Path, extra: tuple[str, ...], toml: str | None, fragments: tuple[str, ...]
) -> None:
    args = list(BASE)
    if toml is not None:
        config = tmp_path / "config.toml"
        config.write_bytes(toml.encode("utf-8", "surrogateescape"))
        args += ["--config", str(config)]
    out = tmp_path / "run"
    result = cli(*args, *extra, "--out", str(out))
    assert_clean_error(result, *fragments)
    assert not out.exists(), "a run folder was created for a run that could not start"


def test_missing_encoder_lists_the_valid_ones(cli: Any, tmp_path: Path) -> None:
    result = cli("run", "--preset", "smoke", "--out", str(tmp_path / "run"))
    assert_clean_error(result, "--encoder is required", "average", "kmer", "sgt")
    assert not (tmp_path / "run").exists()


def test_unknown_encoder_in_encode(cli: Any, tmp_path: Path) -> None:
    result = cli("encode", "--sequence", "ACGT" * 40, "--encoder", "nope",
                 "--out", str(tmp_path / "f.npy"))
    assert_clean_error(result, "unknown encoder 'nope'")
    assert not (tmp_path / "f.npy").exists()


def test_negative_seed(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = cli(*BASE, "--seed", "-1", "--out", str(out))
    assert_clean_error(result, "seed")
    assert not out.exists()


def test_bad_network_setting_leaves_no_run_folder(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = cli(*BASE, "--set", 'network.variant="huge"', "--out", str(out))
    assert_clean_error(result, "variant", "'huge'")
    assert not out.exists()


def test_batch_size_larger_than_the_dataset(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("training started despite the impossible batch size")

    monkeypatch.setattr("dnagan.training.loop.train", no_training)
    out = tmp_path / "run"
    result = cli(*BASE, "--batch-size", "100000", "--steps1", "1", "--steps2", "1",
                 "--out", str(out))
    assert_clean_error(result, "batch", "100000")
    assert not out.exists()


BENCH_CASES = {
    "unknown-encoder": (("--encoders", "nope"), "unknown encoder 'nope'"),
    "encoder-twice": (("--encoders", "average,average"), "twice"),
    "no-encoder": (("--encoders", ","), "names no encoder"),
    "zero-seeds": (("--seeds", "0"), "--seeds must be at least 1"),
    "unknown-preset": (("--preset", "nah"), "unknown preset 'nah'"),
    "zero-steps": (("--set", "stage1.steps=0"), "steps must be positive"),
}


@pytest.mark.parametrize("case", sorted(BENCH_CASES))
def test_bad_bench_configuration(cli: Any, tmp_path: Path, case: str) -> None:
    extra, fragment = BENCH_CASES[case]
    out = tmp_path / "bench"
    result = cli("bench", "--preset", "smoke", "--out", str(out), *extra)
    assert_clean_error(result, fragment)
    assert not out.exists()
