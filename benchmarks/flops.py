"""FLOPs of one training step (one D step + one G step) of the preset networks, counted on CPU.

Counts with ``torch.utils.flop_counter.FlopCounterMode`` (matmuls and convolutions, 2 FLOPs per
multiply-add, forward and backward; elementwise ops and the optimiser are not counted and are
negligible here). One step = G forward, D forward on reals and on detached fakes, D backward, D
forward on fakes, backward through D into G: the same work as ``dnagan.training.loop.Trainer.step``.
Stage 2 includes the frozen stage-1 generator's forward. Networks come from the generator registry
exactly as the trainer builds them. No GPU needed; also imported by ``benchmarks/gpu_bench.py``.

    nice .venv/bin/python benchmarks/flops.py [--presets paper,quick,smoke] [--batch 32]
"""

from __future__ import annotations

import argparse
import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from dnagan.training.config import TrainConfig
from dnagan.training.networks import build_stage
from dnagan.training.presets import get_preset


@dataclass
class StageModel:
    """One stage's trainable G and D, the frozen stage-1 G (stage 2 only) and the input maker."""

    config: TrainConfig
    number: int
    generator: nn.Module
    discriminator: nn.Module
    stage1: nn.Module | None

    @property
    def size(self) -> int:
        """Output side length in pixels."""
        return self.config.stage1_size if self.number == 1 else self.config.stage2_size

    def fake(self, z: Tensor) -> Tensor:
        """Generated images for latents ``z`` (stage 2 through the frozen stage 1)."""
        if self.stage1 is None:
            return self.generator(z)
        with torch.no_grad():
            image1 = self.stage1(z)
        return self.generator(image1, z)

    def parameters(self) -> tuple[int, int]:
        """(G, D) parameter counts."""
        def count(module: nn.Module) -> int:
            return sum(p.numel() for p in module.parameters())

        return count(self.generator), count(self.discriminator)


def build(preset: str, number: int, device: str = "cpu", channels_last: bool = False) -> StageModel:
    """The preset's stage ``number`` networks on ``device``, in training mode."""
    config = get_preset(preset)
    layout = torch.channels_last if channels_last else torch.contiguous_format

    def place(module: nn.Module) -> nn.Module:
        return module.to(device=device, memory_format=layout)

    nets = build_stage(config, number)
    stage1 = None
    if number == 2:
        stage1 = place(build_stage(config, 1).generator).eval().requires_grad_(False)
    return StageModel(
        config, number, place(nets.generator).train(), place(nets.discriminator).train(), stage1
    )


class Step:
    """Adam optimisers and one D + G step on a :class:`StageModel` (losses stay on the device)."""

    def __init__(self, model: StageModel, autocast: AbstractContextManager[object] | None = None):
        self.model = model
        self.autocast = autocast or nullcontext()
        fused = next(model.generator.parameters()).is_cuda
        cfg = model.config.stage(model.number)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = torch.optim.Adam(model.generator.parameters(), cfg.g_lr, betas=betas,
                                      fused=fused)
        self.opt_d = torch.optim.Adam(model.discriminator.parameters(), cfg.d_lr, betas=betas,
                                      fused=fused)

    def __call__(self, real: Tensor, z: Tensor) -> Tensor:
        """One step; returns ``[d_loss, g_loss]`` as a device tensor (no host sync)."""
        G, D = self.model.generator, self.model.discriminator
        D.requires_grad_(True)
        with self.autocast:
            fake = self.model.fake(z)
            d_real, d_fake = D(real).float(), D(fake.detach()).float()
        loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        D.requires_grad_(False)
        with self.autocast:
            loss_g = -D(fake).float().mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        del G
        return torch.stack([loss_d.detach(), loss_g.detach()])


def inputs(model: StageModel, batch: int, device: str = "cpu",
           channels_last: bool = False) -> tuple[Tensor, Tensor]:
    """A random real batch in [-1, 1] and latents."""
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(batch, 3, model.size, model.size, generator=gen) * 2 - 1
    z = torch.randn(batch, model.config.latent_dim, generator=gen)
    if channels_last:
        real = real.contiguous(memory_format=torch.channels_last)
    return real.to(device), z.to(device)


@dataclass
class StepFlops:
    """FLOPs of one training step and of one generator forward (for sampling)."""

    preset: str
    stage: int
    batch: int
    size: int
    g_params: int
    d_params: int
    step_flops: int
    generate_flops: int

    @property
    def per_image(self) -> float:
        """Training FLOPs per image."""
        return self.step_flops / self.batch


def count(preset: str, number: int, batch: int = 32) -> StepFlops:
    """Count the FLOPs of one training step and one sampling forward at ``batch`` on CPU."""
    model = build(preset, number)
    step = Step(model)
    real, z = inputs(model, batch)
    with FlopCounterMode(display=False) as counter:
        step(real, z)
    total = counter.get_total_flops()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.fake(z)
    g, d = model.parameters()
    return StepFlops(preset, number, batch, model.size, g, d, total, counter.get_total_flops())


def table(rows: list[StepFlops]) -> str:
    """A markdown table of :class:`StepFlops` rows."""
    lines = [
        "| preset | stage | size | batch | G params | D params | GFLOP/step | GFLOP/image "
        "| sampling GFLOP/image |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.preset} | {r.stage} | {r.size} | {r.batch} | {r.g_params / 1e6:.2f}M "
            f"| {r.d_params / 1e6:.2f}M | {r.step_flops / 1e9:.1f} | {r.per_image / 1e9:.2f} "
            f"| {r.generate_flops / r.batch / 1e9:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print (and optionally save) the FLOP table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", default="paper,quick,smoke")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    rows = [count(p, s, args.batch) for p in args.presets.split(",") for s in (1, 2)]
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
