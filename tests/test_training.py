"""Trainer configuration, presets, losses, EMA, run folders and the files a run writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from trainer_plugins import TestPlugins

from dnagan.errors import ConfigError, OutputError
from dnagan.generation import sample_names
from dnagan.testing import registered_plugin
from dnagan.training.checkpoint import load_checkpoint
from dnagan.training.config import TrainConfig, apply_overrides, load_toml
from dnagan.training.ema import ema_copy, update_ema
from dnagan.training.finish import stage1_key
from dnagan.training.loop import Sampler, train
from dnagan.training.losses import discriminator_loss, generator_loss
from dnagan.training.presets import get_preset, preset_names
from dnagan.training.run_folder import next_run_dir, prepare_out
from dnagan.training.tiny import tiny_config


@pytest.fixture(autouse=True)
def _plugins() -> Iterator[None]:
    with registered_plugin(TestPlugins(), "trainer-test"):
        yield


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One finished tiny run, evaluated with the stand-in metric."""
    from dnagan.plugins import reset_plugins

    reset_plugins()
    run_dir = tmp_path_factory.mktemp("run")
    with registered_plugin(TestPlugins(), "trainer-test"):
        train(tiny_config("evaluators=meanpixel", "stage1_evaluators=meanpixel"), run_dir)
    reset_plugins()
    return run_dir


# ------------------------------------------------------------------ config


def test_overrides_reach_stages_and_tables() -> None:
    config = apply_overrides(
        get_preset("quick"),
        ["stage1.steps=200", "stage2.batch_size=8", "network.width=0.5", "bf16=false", "seed=7",
         "evaluators=fid,kid", "encoder_options.k=5"],
    )
    assert config.stage1.steps == 200 and config.stage2.batch_size == 8
    assert config.network == {"variant": "quick", "upsample": "nearest", "width": 0.5}
    assert config.bf16 is False and config.seed == 7
    assert config.evaluators == ["fid", "kid"]
    assert config.encoder_options == {"k": 5}
    assert config.settings()["stage2_size"] == 224


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("stage1.steps=0", r"\[stage1\]: steps must be positive"),
        ("stage2.steps=-3", "steps must be positive"),
        ("nosuchkey=1", "unknown option 'nosuchkey'"),
        ("stage1.nosuch=1", r"\[stage1\]: unknown option 'nosuch'"),
        ("seed=abc", "'seed': expected an integer"),
        ("loss=wasserstein", "'loss': 'wasserstein' is not one of"),
        ("stage1.g_lr=fast", "'g_lr': expected a number"),
        ("ema_decay=1.5", "ema_decay must lie in"),
        ("evaluators=3", "evaluators must be a list"),
        ("justakey", "not of the form KEY=VALUE"),
        ("seed.x=1", "'seed' has no fields"),
    ],
)
def test_bad_overrides_name_the_key(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        apply_overrides(get_preset("smoke"), [override])


def test_toml_config_file(tmp_path: Path) -> None:
    path = tmp_path / "train.toml"
    path.write_text(
        'loss = "bce"\nevaluators = []\n[stage1]\nsteps = 42\n[network]\nvariant = "smoke"\n'
    )
    config = load_toml(path, get_preset("quick"))
    assert config.loss == "bce" and config.evaluators == [] and config.stage1.steps == 42
    assert config.stage2 == get_preset("quick").stage2
    path.write_text("[stage1]\nsteps = 0\n")
    with pytest.raises(ConfigError, match=r"train\.toml"):
        load_toml(path, get_preset("quick"))
    path.write_text("steps = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_toml(path, get_preset("quick"))


def test_presets() -> None:
    assert preset_names() == ["paper", "quick", "smoke"]
    paper = get_preset("paper")
    assert (paper.loss, paper.real_label_noise, paper.latent_source) == ("bce", 0.2, "noise")
    assert (paper.stage1.epochs, paper.stage2.epochs) == (136, 301)
    for stage in (paper.stage1, paper.stage2):
        assert (stage.g_lr, stage.d_lr, stage.beta1, stage.batch_size) == (2e-4, 2e-4, 0.5, 32)
        assert stage.lr_halve_every_epochs == 50
    assert paper.augment == "" and paper.ema_decay == 0 and paper.network["variant"] == "paper"
    quick = get_preset("quick")
    assert quick.loss == "hinge" and quick.augment == "color,translation,cutout"
    assert quick.ema_decay == 0.999 and quick.latent_source == "dna"
    assert (quick.stage1.g_lr, quick.stage1.d_lr, quick.stage1.beta1) == (1e-4, 4e-4, 0.0)
    with pytest.raises(ConfigError, match="valid: paper, quick, smoke"):
        get_preset("fast")


def test_default_config_is_quick() -> None:
    assert TrainConfig().preset == "quick"


# ------------------------------------------------------------- components


def test_losses() -> None:
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    assert float(discriminator_loss("hinge", real, fake)) == pytest.approx(0.25 + 0.5)
    assert float(generator_loss("hinge", fake)) == pytest.approx(1.0)
    clean = float(discriminator_loss("bce", real, fake))
    generator = torch.Generator().manual_seed(0)
    noisy = float(discriminator_loss("bce", real, fake, 0.2, generator))
    assert noisy != clean
    # real targets in [0.8, 1]: the loss lies between the targets 0.8 and 1 losses
    low = torch.nn.functional.binary_cross_entropy_with_logits(real, torch.full((2,), 0.8))
    high = torch.nn.functional.binary_cross_entropy_with_logits(real, torch.ones(2))
    fake_part = clean - float(high)
    assert float(high) <= noisy - fake_part <= float(low) + 1e-6


def test_ema_warms_up_then_averages() -> None:
    model = torch.nn.Linear(2, 1)
    average = ema_copy(model)
    target, source = average.get_parameter("weight"), model.get_parameter("weight")
    with torch.no_grad():
        source.fill_(1.0)
        target.fill_(0.0)
    update_ema(average, model, decay=0.999, step=0, warmup=10)
    assert float(target[0, 0]) == pytest.approx(1 - 1 / 11)
    target.data.fill_(0.0)
    update_ema(average, model, decay=0.5, step=1000, warmup=10)
    assert float(target[0, 0]) == pytest.approx(0.5)
    assert not any(p.requires_grad for p in average.parameters())


def test_sampler_covers_each_epoch() -> None:
    sampler = Sampler(10, 5, torch.Generator().manual_seed(0))
    first = torch.cat([sampler.next(), sampler.next()])
    assert sorted(first.tolist()) == list(range(10)) and sampler.epoch == 0
    sampler.next()
    assert sampler.epoch == 1


def test_run_folders_are_never_overwritten(tmp_path: Path) -> None:
    assert next_run_dir("average", "quick", tmp_path).name == "00000-average-quick"
    assert next_run_dir("kmer", "smoke", tmp_path).name == "00001-kmer-smoke"
    (tmp_path / "00007-x").mkdir()
    assert next_run_dir("a b/c", "quick", tmp_path).name == "00008-a_b_c-quick"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert prepare_out(empty) == empty
    (empty / "file").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        prepare_out(empty)
    with pytest.raises(OutputError, match="not a folder"):
        prepare_out(empty / "file")


def test_sample_names_are_safe_and_unique() -> None:
    class R:
        def __init__(self, id: str, sequence: str) -> None:
            self.id, self.sequence = id, sequence

    names = sample_names(
        [R("read/1 x", "ACGT"), R("read_1_x", "ACGT"), R("...", "ACGTACGT"), R("ok.2", "A")]
    )
    assert names[:2] == ["read_1_x", "read_1_x-2"] and names[3] == "ok.2"
    assert names[2].startswith("sample-") and "ACGT" not in names[2]


def test_stage1_keys() -> None:
    assert stage1_key("stage1_fid") == "fid_stage1"
    assert stage1_key("stage1_fid_n") == "fid_stage1_n"


# -------------------------------------------------------------- a whole run


def test_run_folder_contents(run: Path) -> None:
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "metrics.jsonl", "reals.png", "loss-stage1.png", "loss-stage2.png",
            "checkpoints", "samples", "summary.json"} <= names
    assert "fakes-stage1-000005.png" in names and "fakes-stage2-000004.png" in names
    config = json.loads((run / "config.json").read_text())
    assert config["generator"] == "tiny" and config["stage1"]["steps"] == 5
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    first = rows[0]
    for key in ("step", "stage", "d_loss", "g_loss", "g_lr", "d_lr", "images_per_s", "epoch"):
        assert key in first
    assert [r["step"] for r in rows if r["stage"] == 1 and "d_loss" in r] == [1, 2, 3, 4, 5]
    assert "meanpixel" in rows[-1]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["meanpixel_n"] == 32 and summary["meanpixel_stage1_n"] == 32
    assert summary["steps_stage1"] == 5 and summary["train_seconds"] > 0
    assert summary["samples"] == len(list((run / "samples").iterdir())) == 4


def test_checkpoints_load_safely(run: Path) -> None:
    for name in ("latest.pt", "final.pt"):
        state = load_checkpoint(run / "checkpoints" / name)
        assert state["done"] and set(state["stages"]) == {"1", "2"}
        for part in ("generator", "discriminator", "ema", "opt_g", "opt_d"):
            assert state["stages"]["2"][part]
        assert "pairing" in state["rng"]["generators"]


def test_samples_are_named_by_id_and_carry_no_dna(run: Path) -> None:
    from dnagan.synthetic.reads import default_corpus

    sequences = {r.sequence for r in default_corpus(count=40)}
    for path in (run / "samples").iterdir():
        with Image.open(path) as image:
            assert image.size == (32, 32)
            text = dict(getattr(image, "text", {}))
        assert set(text) == {"encoder", "model", "dnagan"}
        assert not any(s in v for s in sequences for v in text.values())
        assert path.stem.startswith("sim_read_")
    written = (run / "config.json").read_text() + (run / "summary.json").read_text()
    assert not any(s[:40] in written for s in sequences)


def test_paper_mode_trains_on_noise(tmp_path: Path) -> None:
    summary = train(
        tiny_config("stage1.epochs=1", "stage2.epochs=1", "image_count=16", preset="paper"),
        tmp_path,
    )
    assert summary["steps_stage1"] == 16 // 8 and summary["steps_stage2"] == 16 // 4
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert all(np.isfinite(r["d_loss"]) for r in rows)
