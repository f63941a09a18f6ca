"""Worker for tests/test_distributed.py, started by torchrun (2 gloo processes on CPU).

``python -m torch.distributed.run ... tests/ddp_worker.py mechanics OUT_DIR``: (1) a few GAN steps
of the tiny networks (spectral-norm discriminator called on real and fake batches, generator step
through the unwrapped discriminator), as the trainer runs them under DDP: parameters, buffers and
the globally averaged losses; (2) the results of all_gather_array / parallel_map /
broadcast_object / any_rank / shard. Each rank saves both to ``OUT_DIR/rank<R>.pt``.

``... tests/ddp_worker.py run ARGS...``: ``dnagan run ARGS`` with the tiny test architecture
registered. With ``DDP_STOP_AT=STAGE:STEP:RANK`` that rank alone asks to stop (as a signal would)
after that step, so the ranks must agree on where to stop.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn

from dnagan.training import distributed as ddp

SEED = 3
STEPS = 4
GLOBAL_BATCH = 8
SIZE = 16
LATENT = 16
POOL = 24


def tiny_networks() -> tuple[nn.Module, nn.Module]:
    """The tiny stage-1 G and a spectral-norm D without dropout, seeded identically."""
    from dnagan.training.tiny import TinyArchitecture

    torch.manual_seed(SEED)
    settings = {"latent_dim": LATENT, "stage1_size": SIZE, "stage2_size": 2 * SIZE, "dropout": 0.0}
    networks = TinyArchitecture().build_stage1(settings)
    discriminator = networks.discriminator
    for name, child in list(discriminator.body.named_children()):
        if isinstance(child, (nn.Conv2d, nn.Linear)):
            discriminator.body.register_module(
                name, nn.utils.parametrizations.spectral_norm(child)
            )
    return networks.generator, discriminator


def global_batches() -> list[tuple[Tensor, Tensor]]:
    """The global (images, latents) batches of every step, as one process would draw them."""
    gen = torch.Generator().manual_seed(SEED)
    pool = torch.rand(POOL, 3, SIZE, SIZE, generator=gen) * 2 - 1
    batches = []
    for _ in range(STEPS):
        index = torch.randperm(POOL, generator=gen)[:GLOBAL_BATCH]
        batches.append((pool[index], torch.randn(GLOBAL_BATCH, LATENT, generator=gen)))
    return batches


def gan_steps(wrap: bool) -> dict[str, Any]:
    """Hinge-loss GAN steps; with ``wrap`` G and D are in DDP and each rank sees its shard."""
    from dnagan.training.losses import discriminator_loss, generator_loss

    G, D = tiny_networks()
    g, d = (ddp.wrap_ddp(G), ddp.wrap_ddp(D)) if wrap else (G, D)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=4e-3, betas=(0.0, 0.99))
    losses = []
    for real_all, z_all in global_batches():
        real, z = (ddp.shard(real_all), ddp.shard(z_all)) if wrap else (real_all, z_all)
        D.requires_grad_(True)
        fake = g(z)
        loss_d = discriminator_loss("hinge", d(real), d(fake.detach()))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        D.requires_grad_(False)
        loss_g = generator_loss("hinge", ddp.unwrap(d)(fake))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        pair = torch.stack([loss_d.detach(), loss_g.detach()])
        if wrap:
            dist.all_reduce(pair)
            pair /= ddp.info().world_size
        losses.append(pair)
    return {
        "losses": torch.stack(losses),
        "G": {k: v.clone() for k, v in G.state_dict().items()},
        "D": {k: v.clone() for k, v in D.state_dict().items()},
    }


def collectives() -> dict[str, Any]:
    """Results of the gathering helpers on this rank."""
    rank = ddp.info().rank
    rows = np.full((2 + rank, 3), rank, dtype=np.float64)  # ranks hold different lengths
    items = np.arange(7 * 2, dtype=np.float32).reshape(7, 2)

    def fail() -> None:
        from dnagan.errors import OutputError

        raise OutputError(f"runs/x: made on rank {rank}")

    try:
        ddp.main_then_share(fail)
        error = ""
    except Exception as caught:  # noqa: BLE001 - the test inspects it
        error = f"{type(caught).__name__}: {caught}"
    return {
        "mean": ddp.mean_across(torch.tensor([float(rank), 4.0])),
        "shared": ddp.main_then_share(lambda: f"made on rank {rank}"),
        "error": error,
        "gathered": ddp.all_gather_array(rows),
        "mapped": ddp.parallel_map(lambda x: x * 2, items),
        "path": ddp.broadcast_object(f"from-rank-{rank}"),
        "any": ddp.any_rank(rank == 1),
        "none": ddp.any_rank(False),
        "objects": ddp.gather_objects(rank),
        "shards": [ddp.shard(torch.arange(4) + 10), ddp.shard(torch.arange(4) + 20)],
    }


def stop_at(target: str) -> None:
    """Make rank ``RANK`` request a stop after stage ``STAGE`` step ``STEP`` (``S:S:R``)."""
    import signal

    from dnagan.training import loop

    stage, step, rank = map(int, target.split(":"))
    original = loop.Trainer.step

    def step_then_stop(self: Any, state: Any) -> Any:
        values = original(self, state)
        if (state.number, state.step, ddp.info().rank) == (stage, step, rank):
            self.stop.request(signal.SIGINT)
        return values

    loop.Trainer.step = step_then_stop  # type: ignore[method-assign]


def run_cli(args: list[str]) -> None:
    """``dnagan run ARGS`` with the tiny architecture registered (and DDP_STOP_AT honoured)."""
    import os

    from dnagan.cli import main as cli_main
    from dnagan.plugins import register_plugin
    from dnagan.training.tiny import TinyPlugin

    register_plugin(TinyPlugin(), "tiny")
    if os.environ.get("DDP_STOP_AT"):
        stop_at(os.environ["DDP_STOP_AT"])
    sys.argv = ["dnagan", "run", *args]
    cli_main()


def main(argv: list[str]) -> None:
    """Dispatch on the first argument (see the module docstring)."""
    mode, rest = argv[0], argv[1:]
    if mode == "run":
        run_cli(rest)
        return
    info = ddp.init_distributed("cpu")
    torch.set_num_threads(1)
    result = {"gan": gan_steps(wrap=True), "collectives": collectives()}
    torch.save(result, Path(rest[0]) / f"rank{info.rank}.pt")
    ddp.barrier()
    ddp.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
