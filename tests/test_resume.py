"""A run stopped by a signal and resumed ends with bit-identical weights to one never stopped."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import torch

from dnagan.testing import registered_plugin
from dnagan.training.checkpoint import load_checkpoint
from dnagan.training.loop import SilentReporter, TrainingDiverged, train
from dnagan.training.signals import Interrupted
from dnagan.training.tiny import TinyPlugin, tiny_config


@pytest.fixture(autouse=True)
def _tiny() -> Iterator[None]:
    with registered_plugin(TinyPlugin(), "tiny"):
        yield


class SignalAt(SilentReporter):
    """Sends a signal to this process when a stage reaches a step."""

    def __init__(self, stage: int, step: int, signum: int = signal.SIGINT) -> None:
        self.stage, self.step, self.signum = stage, step, signum

    def advance(self, stage: int, step: int, metrics: Mapping[str, float]) -> None:
        if (stage, step) == (self.stage, self.step):
            os.kill(os.getpid(), self.signum)


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run_dir / "checkpoints" / "final.pt")
    flat = {}
    for number, stage in state["stages"].items():
        for part in ("generator", "discriminator", "ema"):
            for name, tensor in stage[part].items():
                flat[f"{number}.{part}.{name}"] = tensor
        for name, value in stage["opt_g"]["state"].items():
            flat[f"{number}.opt_g.{name}"] = value["exp_avg"]
    return flat


@pytest.mark.parametrize(
    ("preset", "stage", "step", "signum"),
    [
        ("smoke", 1, 2, signal.SIGINT),
        ("smoke", 2, 1, signal.SIGTERM),
        ("paper", 1, 3, signal.SIGINT),
    ],
)
def test_resume_is_bit_identical(
    tmp_path: Path, preset: str, stage: int, step: int, signum: int
) -> None:
    epochs = ["stage1.epochs=2", "stage2.epochs=1", "stage1.lr_halve_every_epochs=1"]
    config = tiny_config(*epochs, preset=preset) if preset == "paper" else tiny_config()
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    straight.mkdir()
    stopped.mkdir()
    train(config, straight)
    with pytest.raises(Interrupted) as info:
        train(config, stopped, reporter=SignalAt(stage, step, signum))
    assert info.value.exit_code == 128 + signum
    assert "dnagan run --resume" in str(info.value)
    assert not (stopped / "checkpoints" / "final.pt").exists()
    train(config, stopped, resume=True)
    a, b = weights(straight), weights(stopped)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    steps = [(r["stage"], r["step"]) for r in map(eval_json, (stopped / "metrics.jsonl").open())]
    assert steps == sorted(set(steps))


def eval_json(line: str) -> dict[str, int]:
    import json

    return json.loads(line)


def test_nan_loss_stops_with_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dnagan.training.loop as loop

    calls = {"n": 0}
    original = loop.generator_loss

    def poisoned(kind: str, fake: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        loss = original(kind, fake)
        return loss * float("nan") if calls["n"] == 4 else loss

    monkeypatch.setattr(loop, "generator_loss", poisoned)
    config = tiny_config("stage1.checkpoint_every=2")
    with pytest.raises(TrainingDiverged, match="stage 1 step 4: g_loss is nan"):
        train(config, tmp_path)
    kept = load_checkpoint(tmp_path / "checkpoints" / "latest.pt")
    assert kept["stages"]["1"]["step"] == 2
