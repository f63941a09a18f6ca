"""Worker for tests/test_distributed.py, started by torchrun (2 gloo processes on CPU).

``python -m torch.distributed.run ... tests/ddp_worker.py mechanics OUT_DIR``: (1) a few GAN steps
of the tiny networks (spectral-norm discriminator called on real and fake batches, generator step
through the unwrapped discriminator), as the trainer runs them under DDP: parameters, buffers and
the globally averaged losses; (2) the results of all_gather_array / parallel_map /
broadcast_object / any_rank / shard. Each rank saves both to ``OUT_DIR/rank<R>.pt``.

``... tests/ddp_worker.py evaluation OUT_DIR``: the evaluation split over the ranks
(:func:`evaluation`); each rank saves its results to ``OUT_DIR/rank<R>.pt``.

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


class CheapFeatures:
    """Stand-in feature extractor: per-channel means and deviations; counts the images it sees."""

    dims = 6
    extractor_id = cache_id = "ddp-test-features"
    batch_size = 3

    def __init__(self) -> None:
        self.seen = 0

    def features(self, images: np.ndarray) -> np.ndarray:
        self.seen += len(images)
        x = images.astype(np.float64) / 255
        return np.concatenate([x.mean(axis=(1, 2)), x.std(axis=(1, 2))], axis=1)


EVALUATORS = ["fid", "kid", "diversity", "locality", "determinism"]
SEQUENCES = ["".join("ACGT"[(i * 7 + j * j) % 4] for j in range(20)) for i in range(8)]


def random_images(count: int, seed: int, size: int = 8) -> np.ndarray:
    """Seeded random uint8 NHWC images."""
    return np.random.default_rng(seed).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def generate(sequences: Any) -> np.ndarray:
    """A deterministic 'generator': images seeded by each sequence's bytes."""
    return np.concatenate([random_images(1, sum(s.encode())) for s in sequences])


def evaluate_cheaply(cache: Path, group: Any) -> dict[str, Any]:
    """Run :data:`EVALUATORS` with :class:`CheapFeatures` over 7 fakes and 11 reals; how many
    real images this process extracted features of, and the metrics."""
    from dnagan.evaluation import EvaluationContext, run_evaluators

    extractor = CheapFeatures()
    context = EvaluationContext(
        fakes=random_images(7, 1), reals=random_images(11, 2), sequences=SEQUENCES,
        generate=generate, cache_dir=cache, feature_extractor=extractor, group=group,
    )
    context.real  # noqa: B018 - count the real images alone
    return {"reals_seen": extractor.seen, "metrics": run_evaluators(context, EVALUATORS)}


def stats_files(folder: Path) -> dict[str, int]:
    """The cached statistics in ``folder`` and their modification times."""
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("fid-stats/*.npz"))}


def evaluation(out: Path) -> dict[str, Any]:
    """Features and metrics split over the ranks, against single-rank computations.

    Each rank has its own cache folder (as on separate nodes). ``hit``: only rank 0's holds the
    real statistics; ``miss``: only rank 1's does. Rank 0's cache decides for all.
    """
    from dnagan.evaluation.inception import InceptionFeatures
    from dnagan.evaluation.sharded import LOCAL, ShardedFeatures
    from dnagan.evaluation.statistics import real_features

    info = ddp.info()
    group = ddp.evaluation_group()
    cheap = CheapFeatures()
    fakes = random_images(7, 1)
    result: dict[str, Any] = {"gathered": ShardedFeatures(cheap, group).features(fakes)}
    result["seen"] = cheap.seen
    inception = InceptionFeatures(batch_size=2)
    small = random_images(7, 3, size=32)
    result["inception"] = ShardedFeatures(inception, group).features(small)
    result["inception_alone"] = inception.features(small)
    for case, owner in (("hit", 0), ("miss", 1)):
        cache = out / f"{case}-rank{info.rank}"
        if info.rank == owner:
            real_features(random_images(11, 2), CheapFeatures(), cache, group=LOCAL)
        before = stats_files(cache)
        result[case] = evaluate_cheaply(cache, group)
        result[case]["files"] = (before, stats_files(cache))
    return result


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
    if mode == "evaluation":
        result = evaluation(Path(rest[0]))
    else:
        result = {"gan": gan_steps(wrap=True), "collectives": collectives()}
    torch.save(result, Path(rest[0]) / f"rank{info.rank}.pt")
    ddp.barrier()
    ddp.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
