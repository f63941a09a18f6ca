"""The shared two-stage GAN trainer.

Stage 1 trains ``G1(z) -> 64x64`` against ``D1``; stage 2 trains ``G2(G1(z), z) -> 224x224``
against ``D2`` with stage 1 frozen (its EMA copy when there is one). Each step is one D step and
one G step on a batch of real images and a batch of latents: bridge latents of randomly paired
training DNA (plus jitter) or Gaussian noise (``latent_source = "noise"``, the paper's way).
One seeded ``torch.Generator`` drives batch order, pairing, jitter, label noise and augmentation;
its state, the global RNG states and every network/optimiser/scheduler state are checkpointed, so
a stopped and resumed run ends bit-identical to one never stopped (on the same machine).

Under ``torchrun`` (:mod:`dnagan.training.distributed`) every rank draws the same global batch and
pairing from that generator and trains on its slice, with G and D in DistributedDataParallel;
augmentation, label noise and dropout then use per-rank seeds (per-rank RNG states are saved in
the checkpoint). Only rank 0 writes files; the end-of-run evaluation's feature extraction is
split over all ranks. On a GPU the images live on the device, random draws for augmentation
happen there, and losses stay on the device until a log interval: no host-device
synchronisation per step.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from dnagan.atomic import append_line, write_json
from dnagan.devices import auto_threads, resolve_device
from dnagan.errors import ConfigError, DnaganError
from dnagan.training import distributed as ddp
from dnagan.training.checkpoint import (
    FINAL,
    LATEST,
    load_checkpoint,
    restore_rng_state,
    rng_state,
    save_checkpoint,
    to_storable,
)
from dnagan.training.config import StageConfig, TrainConfig, config_from_dict
from dnagan.training.data import TrainingData, prepare_data
from dnagan.training.ema import ema_copy, update_ema
from dnagan.training.losses import discriminator_loss, generator_loss
from dnagan.training.networks import build_stage
from dnagan.training.signals import Interrupted, StopFlag, stop_on_signals

logger = logging.getLogger("dnagan")


class TrainingDiverged(DnaganError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class Reporter(Protocol):
    """Receives progress; the CLI draws a rich progress bar with it."""

    def start_stage(self, stage: int, total: int, completed: int) -> None:
        """A stage begins (or resumes at ``completed`` of ``total`` steps)."""

    def advance(self, stage: int, step: int, metrics: Mapping[str, float]) -> None:
        """``step`` steps of the stage are done; ``metrics`` are the latest logged values."""

    def end_stage(self, stage: int) -> None:
        """The stage is finished."""

    def note(self, message: str) -> None:
        """A phase change (data loading, evaluation, ...)."""


class SilentReporter:
    """A reporter that shows nothing."""

    def start_stage(self, stage: int, total: int, completed: int) -> None:
        """Ignore."""

    def advance(self, stage: int, step: int, metrics: Mapping[str, float]) -> None:
        """Ignore."""

    def end_stage(self, stage: int) -> None:
        """Ignore."""

    def note(self, message: str) -> None:
        """Log at debug level."""
        logger.debug("%s", message)


LOSS_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
FINISH_TIMEOUT_S = 6 * 3600.0  # how long other ranks wait for rank 0's samples and evaluation


class Sampler:
    """Epoch-wise random permutations of ``n`` items, batches without replacement."""

    def __init__(self, n: int, batch: int, generator: torch.Generator) -> None:
        self.n, self.batch, self.generator = n, min(batch, n), generator
        self.order = torch.randperm(n, generator=generator)
        self.position = 0
        self.epoch = 0

    def next(self) -> Tensor:
        """Indices of the next batch (a new permutation when the current one is used up)."""
        if self.position + self.batch > self.n:
            self.order = torch.randperm(self.n, generator=self.generator)
            self.position = 0
            self.epoch += 1
        batch = self.order[self.position : self.position + self.batch]
        self.position += self.batch
        return batch

    def state_dict(self) -> dict[str, Any]:
        """Order, position and epoch."""
        return {"order": self.order.clone(), "position": self.position, "epoch": self.epoch}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.order = state["order"].clone()
        self.position = int(state["position"])
        self.epoch = int(state["epoch"])


@dataclass
class StageState:
    """Networks, optimisers and schedule of one stage."""

    number: int
    config: StageConfig
    generator: nn.Module
    discriminator: nn.Module
    ema: nn.Module | None
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    sched_g: torch.optim.lr_scheduler.LRScheduler | None
    sched_d: torch.optim.lr_scheduler.LRScheduler | None
    total: int
    step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def sampler_model(self) -> nn.Module:
        """The generator to sample with: the EMA copy when there is one."""
        return self.ema if self.ema is not None else self.generator

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume the stage."""
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else {},
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict() if self.sched_g else {},
            "sched_d": self.sched_d.state_dict() if self.sched_d else {},
            "step": self.step,
            "total": self.total,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        if self.sched_g is not None and self.sched_d is not None:
            self.sched_g.load_state_dict(state["sched_g"])
            self.sched_d.load_state_dict(state["sched_d"])
        self.step = int(state["step"])


def steps_per_epoch(images: int, batch: int) -> int:
    """Full batches per pass over the images (at least 1)."""
    return max(1, images // max(1, min(batch, images)))


def _optimizer(module: nn.Module, lr: float, cfg: StageConfig) -> torch.optim.Optimizer:
    params = [p for p in module.parameters() if p.requires_grad]
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), foreach=True)


def _scheduler(
    optimizer: torch.optim.Optimizer, every: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    return torch.optim.lr_scheduler.StepLR(optimizer, every, gamma=0.5) if every else None


class Trainer:
    """Runs both stages, writes the run folder's training outputs and checkpoints."""

    def __init__(
        self,
        config: TrainConfig,
        run_dir: Path,
        data: TrainingData,
        reporter: Reporter,
        stop: StopFlag,
    ) -> None:
        self.config = config
        self.run_dir = run_dir
        self.data = data
        self.reporter = reporter
        self.stop = stop
        self.dist = ddp.info()
        self.device = self.dist.device if self.dist.distributed else resolve_device(config.device)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.stages: dict[int, StageState] = {}
        self.parallel: dict[int, tuple[nn.Module, nn.Module]] = {}  # DDP-wrapped G and D
        self.saved: dict[str, Any] = {}  # checkpoint entries of finished stages
        self.train_seconds = 0.0
        self.images_seen = 0
        real = torch.from_numpy(data.images).permute(0, 3, 1, 2).contiguous()
        small = torch.from_numpy(data.images_small).permute(0, 3, 1, 2).contiguous()
        self.reals = {1: self._resident(small), 2: self._resident(real)}
        self.latents = torch.from_numpy(data.latents)
        self.sampler: Sampler | None = None
        self.fixed = self._fixed_latents()

    # ----------------------------------------------------------------- setup
    def _resident(self, images: Tensor) -> Tensor:
        """uint8 training images on the GPU when they take under a quarter of its free memory,
        else in pinned host memory (copied per batch without blocking); unchanged on CPU."""
        if self.device.type != "cuda":
            return images
        free, _ = torch.cuda.mem_get_info(self.device)
        return images.to(self.device) if images.numel() < free // 4 else images.pin_memory()

    def _fixed_latents(self) -> Tensor:
        count = self.config.grid_size
        if self.config.latent_source == "noise":
            gen = torch.Generator().manual_seed(self.config.seed + 1)
            return torch.randn(count, self.config.latent_dim, generator=gen)
        index = torch.arange(count) % len(self.latents)
        return self.latents[index].clone()

    def _memory(self, module: nn.Module) -> nn.Module:
        module = module.to(self.device)
        if self.config.channels_last:
            module = module.to(memory_format=torch.channels_last)
        return module

    def build(self, number: int) -> StageState:
        """Networks, optimisers and schedulers of a stage, seeded by the config."""
        cfg = self.config.stage(number)
        networks = build_stage(self.config, number)
        generator = self._memory(networks.generator).train()
        discriminator = self._memory(networks.discriminator).train()
        ema = ema_copy(generator) if self.config.ema_decay > 0 else None
        per_epoch = steps_per_epoch(len(self.reals[number]), cfg.batch_size)
        total = cfg.epochs * per_epoch if cfg.epochs else cfg.steps
        every = cfg.lr_halve_every or cfg.lr_halve_every_epochs * per_epoch
        opt_g = _optimizer(generator, cfg.g_lr, cfg)
        opt_d = _optimizer(discriminator, cfg.d_lr, cfg)
        if self.dist.distributed:
            ddp.check_batch(min(cfg.batch_size, len(self.reals[number])),
                            what=f"stage{number}.batch_size")
            self.parallel[number] = (ddp.wrap_ddp(generator), ddp.wrap_ddp(discriminator))
            ddp.seed_rank(self.config.seed * 1009 + number)  # dropout differs across ranks
        else:
            self.parallel[number] = (generator, discriminator)
        return StageState(
            number, cfg, generator, discriminator, ema, opt_g, opt_d,
            _scheduler(opt_g, every), _scheduler(opt_d, every), total,
        )

    def frozen_stage1(self) -> nn.Module:
        """Stage 1's sampling generator, frozen, for stage 2."""
        model = self.stages[1].sampler_model
        model.eval().requires_grad_(False)
        return model

    # ------------------------------------------------------------- one step
    def autocast(self) -> AbstractContextManager[Any]:
        """bf16 autocast when configured, else nothing."""
        if self.config.bf16:
            return torch.autocast(self.device.type, dtype=torch.bfloat16)
        return nullcontext()

    def _images(self, number: int, index: Tensor) -> Tensor:
        reals = self.reals[number]
        tensor = reals[index.to(reals.device, non_blocking=True)]
        x = tensor.to(self.device, non_blocking=True).float().div_(127.5).sub_(1.0)
        if self.config.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _latent_batch(self, count: int) -> Tensor:
        cfg = self.config
        if cfg.latent_source == "noise":
            return torch.randn(count, cfg.latent_dim, generator=self.rng)
        index = torch.randint(len(self.latents), (count,), generator=self.rng)
        z = self.latents[index]
        if cfg.latent_jitter > 0:
            z = z + cfg.latent_jitter * torch.randn(z.shape, generator=self.rng)
        return z

    def _augment(self, images: Tensor, generator: torch.Generator) -> Tensor:
        if not self.config.augment:
            return images
        from dnagan.training.augment import diff_augment

        return diff_augment(images, self.config.augment, generator=generator)

    def _noise_generators(self, stage: StageState) -> tuple[torch.Generator, torch.Generator]:
        """(augmentation, label-noise) generators of this step.

        One CPU process: the shared generator (the single-process stream, bit-exact resume).
        Several ranks or a GPU: generators re-seeded per rank, stage and step (nothing to
        checkpoint), the augmentation one on the device so that its draws need no copy.
        """
        if not self.dist.distributed and self.device.type == "cpu":
            return self.rng, self.rng
        parts = (self.config.seed, stage.number, stage.step)
        return (ddp.rank_generator(*parts, 0, device=self.device),
                ddp.rank_generator(*parts, 1))

    def _fake(self, stage: StageState, z: Tensor) -> Tensor:
        generator = self.parallel[stage.number][0]
        if stage.number == 1:
            return generator(z)
        with torch.no_grad():
            image1 = self.frozen_stage1()(z)
        return generator(image1, z)

    def step(self, stage: StageState) -> Tensor:
        """One discriminator step and one generator step.

        Returns ``LOSS_KEYS`` values of this rank's slice as one device tensor (no host sync);
        :meth:`summarize` turns a window of them into numbers.
        """
        assert self.sampler is not None
        cfg = self.config
        batch = self.sampler.next()  # the global batch, identical on every rank
        index = ddp.shard(batch)
        real = self._images(stage.number, index)
        z = ddp.shard(self._latent_batch(len(batch))).to(self.device, non_blocking=True)
        augment_rng, label_rng = self._noise_generators(stage)
        G = stage.generator
        D = self.parallel[stage.number][1]  # DDP-wrapped when distributed
        D.requires_grad_(True)
        with self.autocast():
            fake = self._fake(stage, z)
            d_real = D(self._augment(real, augment_rng))
            d_fake = D(self._augment(fake.detach(), augment_rng))
        loss_d = discriminator_loss(cfg.loss, d_real, d_fake, cfg.real_label_noise, label_rng)
        stage.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        stage.opt_d.step()
        D.requires_grad_(False)
        with self.autocast():  # the plain D: DDP must not wait for D's (frozen) gradients
            g_fake = stage.discriminator(self._augment(fake, augment_rng))
        loss_g = generator_loss(cfg.loss, g_fake)
        stage.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        stage.opt_g.step()
        for scheduler in (stage.sched_g, stage.sched_d):
            if scheduler is not None:
                scheduler.step()
        if stage.ema is not None:
            update_ema(stage.ema, G, cfg.ema_decay, stage.step, cfg.ema_warmup)
        stage.step += 1
        parts = (loss_d, loss_g, d_real.float().mean(), d_fake.float().mean())
        return torch.stack([v.detach().float() for v in parts])

    def summarize(self, stage: StageState, window: list[Tensor]) -> dict[str, float]:
        """Mean losses of a window of steps over all ranks (one host sync); raises
        :class:`TrainingDiverged` when a loss is not finite."""
        mean = ddp.mean_across(torch.stack(window).double().mean(0))
        values = dict(zip(LOSS_KEYS, mean.tolist(), strict=True))
        for name in ("d_loss", "g_loss"):
            if not math.isfinite(values[name]):
                raise TrainingDiverged(
                    f"stage {stage.number} step {stage.step}: {name} is {values[name]}; "
                    f"training stopped, the last good checkpoint is kept in "
                    f"{self.run_dir / 'checkpoints' / LATEST}"
                )
        return values

    # -------------------------------------------------------------- outputs
    @torch.no_grad()
    def sample_fixed(self, number: int) -> np.ndarray:
        """Grid images of the fixed latents from the stage's sampling generator (fp32)."""
        from dnagan.evaluation import to_uint8

        stage = self.stages[number]
        model = stage.sampler_model
        was_training = model.training
        model.eval()
        z = self.fixed.to(self.device)
        image = model(z) if number == 1 else model(self.frozen_stage1()(z), z)
        model.train(was_training)
        return to_uint8(image)

    def write_grid(self, name: str, images: np.ndarray) -> None:
        """Save an image grid PNG into the run folder (rank 0 only)."""
        if not self.dist.main:
            return
        from dnagan.images import image_grid, save_png

        columns = max(1, math.ceil(math.sqrt(len(images))))
        save_png(self.run_dir / name, image_grid(images, columns), {})

    def _rank_rng(self) -> dict[str, Tensor]:
        state = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def checkpoint(self, current: int, done: bool = False) -> None:
        """Save everything to ``checkpoints/latest.pt`` (and ``final.pt`` when done).

        Every rank calls it (per-rank RNG states are gathered); rank 0 writes, the others wait
        until the file is complete.
        """
        if not self.dist.distributed:
            self._write_checkpoint(current, done, None)
            return
        ranks = ddp.gather_objects(self._rank_rng())
        if self.dist.main:
            self._write_checkpoint(current, done, ranks)
        ddp.barrier()

    def _write_checkpoint(self, current: int, done: bool, ranks: list[Any] | None) -> None:
        stages = dict(self.saved)
        if current in self.stages:
            stages[str(current)] = self.stages[current].state_dict()
        generators = {"pairing": self.rng}
        state = {
            "format": 1,
            "config": self.config.to_dict(),
            "stage": current,
            "done": done,
            "stages": stages,
            "sampler": self.sampler.state_dict() if self.sampler else {},
            "rng": rng_state(generators),
            "bridge": to_storable(self.data.bridge.state_dict()),
            "encoder": to_storable(self.data.encoder.state_dict()),
            "train_seconds": self.train_seconds,
            "images_seen": self.images_seen,
        }
        if ranks is not None:
            state["rank_rng"] = ranks
        folder = self.run_dir / "checkpoints"
        save_checkpoint(folder / LATEST, state)
        if done:
            save_checkpoint(folder / FINAL, state)

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a checkpoint's stages, sampler, counters and RNG states."""
        self.train_seconds = float(state["train_seconds"])
        self.images_seen = int(state["images_seen"])
        current = int(state["stage"])
        for key, entry in state["stages"].items():
            number = int(key)
            stage = self.stages.get(number) or self.build(number)
            stage.load_state_dict(entry)
            self.stages[number] = stage
            if number != current or state["done"]:
                self.saved[key] = entry
        if state["sampler"]:
            self.sampler = Sampler(len(self.reals[current]),
                                   self.config.stage(current).batch_size, self.rng)
            self.sampler.load_state_dict(state["sampler"])
        restore_rng_state(state["rng"], {"pairing": self.rng})
        ranks = state.get("rank_rng")
        if self.dist.distributed and ranks and len(ranks) == self.dist.world_size:
            mine = ranks[self.dist.rank]
            torch.set_rng_state(mine["torch"])
            if "cuda" in mine and self.device.type == "cuda":
                torch.cuda.set_rng_state(mine["cuda"], self.device)

    def log(self, stage: StageState, values: dict[str, float]) -> None:
        """Append a metrics line and keep it for the loss plot (rank 0 writes)."""
        stage.history.append(values)
        if self.dist.main:
            append_line(self.run_dir / "metrics.jsonl", json.dumps(values, sort_keys=True))

    def plot(self, number: int) -> None:
        """Draw ``loss-stageN.png`` from ``metrics.jsonl`` (rank 0 only)."""
        if not self.dist.main:
            return
        from dnagan.training.plots import plot_lines

        rows = [r for r in read_metrics(self.run_dir, number) if "d_loss" in r]
        steps = [float(r["step"]) for r in rows]
        series = {k: [float(r[k]) for r in rows] for k in ("d_loss", "g_loss")}
        title = f"stage {number} losses"
        plot_lines(self.run_dir / f"loss-stage{number}.png", steps, series, title)

    # ---------------------------------------------------------------- stage
    def run_stage(self, number: int) -> None:
        """Train stage ``number`` from wherever it stands to its last step."""
        stage = self.stages.get(number)
        if stage is None:
            stage = self.stages[number] = self.build(number)
        if self.sampler is None:
            self.sampler = Sampler(len(self.reals[number]), stage.config.batch_size, self.rng)
        cfg = stage.config
        configure_threads(self.config)
        self.reporter.start_stage(number, stage.total, stage.step)
        window: list[Tensor] = []
        started = time.perf_counter()
        seen = 0
        while stage.step < stage.total:
            if ddp.any_rank(bool(self.stop)):  # all ranks stop at the same step
                if window:
                    self.summarize(stage, window)  # never checkpoint diverged weights
                self.checkpoint(number)
                raise Interrupted(
                    self.stop.signum or 2,
                    f"interrupted at stage {number} step {stage.step}; checkpoint saved; "
                    f"resume with: dnagan run --resume {self.run_dir}",
                )
            tick = time.perf_counter()
            window.append(self.step(stage))
            elapsed = time.perf_counter() - tick
            batch = min(cfg.batch_size, len(self.reals[number]))
            self.train_seconds += elapsed
            self.images_seen += batch
            seen += batch
            if stage.step % cfg.log_every == 0 or stage.step == stage.total:
                rate = seen / max(time.perf_counter() - started, 1e-9)
                values: dict[str, float] = self.summarize(stage, window)
                values.update(
                    stage=number,
                    step=stage.step,
                    epoch=self.sampler.epoch,
                    g_lr=stage.opt_g.param_groups[0]["lr"],
                    d_lr=stage.opt_d.param_groups[0]["lr"],
                    images_per_s=rate,
                )
                self.log(stage, values)
                self.reporter.advance(number, stage.step, values)
                window = []
            if self.dist.main and (stage.step % cfg.sample_every == 0
                                   or stage.step == stage.total):
                self.write_grid(f"fakes-stage{number}-{stage.step:06d}.png",
                                self.sample_fixed(number))
            if stage.step % cfg.checkpoint_every == 0 and stage.step < stage.total:
                if window:
                    self.summarize(stage, window)
                self.checkpoint(number)
        self.saved[str(number)] = stage.state_dict()
        self.sampler = None
        self.plot(number)
        self.checkpoint(number + 1 if number == 1 else number, done=number == 2)
        self.reporter.end_stage(number)


def read_metrics(run_dir: Path, stage: int | None = None) -> list[dict[str, Any]]:
    """The lines of ``metrics.jsonl`` (optionally of one stage)."""
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if stage is None or r.get("stage") == stage]


def _prune_metrics(run_dir: Path, state: Mapping[str, Any]) -> None:
    """Drop metric lines logged after the checkpoint being resumed (they will be logged again)."""
    current, done = int(state["stage"]), bool(state["done"])
    steps = {int(k): int(v["step"]) for k, v in state["stages"].items()}
    keep = [
        r for r in read_metrics(run_dir)
        if done or r["stage"] < current or r["step"] <= steps.get(current, 0)
    ]
    from dnagan.atomic import write_text

    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in keep)
    write_text(run_dir / "metrics.jsonl", text)


def configure_threads(config: TrainConfig) -> None:
    """CPU threads: the config's, else picked from the current load (called again per stage and
    before evaluation, since other work on the machine comes and goes); ranks share the cores."""
    torch.set_num_threads(config.threads or max(1, auto_threads() // ddp.local_world_size()))


def configure_torch(config: TrainConfig) -> None:
    """Threads and determinism settings for a run."""
    configure_threads(config)
    if config.deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    if torch.cuda.is_available():  # TF32 tensor cores for fp32 layers, tuned convolutions
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = not config.deterministic


def check_batch_sizes(config: TrainConfig, images: int) -> None:
    """ConfigError when a stage's batch is larger than the training set (nothing to clamp)."""
    for number in (1, 2):
        batch = config.stage(number).batch_size
        if batch > images:
            raise ConfigError(
                f"stage{number}.batch_size {batch} is larger than the training set "
                f"({images} images): lower the batch size or add images"
            )


def prepare_run(
    config: TrainConfig,
    reporter: Reporter | None = None,
    state: Mapping[str, Any] | None = None,
) -> TrainingData:
    """Set up torch and load a run's data (with a checkpoint's encoder and bridge when given).

    A fresh run's data is checked against the config (batch sizes). Writes nothing: call it
    before creating the run folder, so bad data leaves no folder behind, and hand the result to
    :func:`train` (``data=``).
    """
    configure_torch(config)
    (reporter or SilentReporter()).note("preparing data")
    data = prepare_data(
        config,
        encoder_state=_restored(state, "encoder"),
        bridge_state=_restored(state, "bridge"),
    )
    if state is None:  # runs saved before this check clamped the batch: keep them resumable
        check_batch_sizes(config, len(data.images))
    return data


def train(
    config: TrainConfig,
    run_dir: Path,
    resume: bool = False,
    reporter: Reporter | None = None,
    data: TrainingData | None = None,
) -> dict[str, Any]:
    """Train (or resume) a run in ``run_dir``, sample the held-out DNA, evaluate; return summary.

    ``run_dir`` must exist. On resume ``config`` is ignored in favour of the checkpoint's.
    ``data`` is what :func:`prepare_run` returned for ``config`` (fresh runs only); without it
    the data is loaded here. A fresh run writes ``config.json`` only once its data is loaded and
    checked, and starts a new ``metrics.jsonl``.
    Raises :class:`Interrupted` after checkpointing when SIGINT/SIGTERM arrives.
    """
    from dnagan.training.finish import finish_run

    main = ddp.init_distributed(config.device).main  # a no-op without torchrun
    report = (reporter or SilentReporter()) if main else SilentReporter()
    state: dict[str, Any] | None = None
    if resume:
        state = load_checkpoint(run_dir / "checkpoints" / LATEST)  # rank 0's, on every rank
        config = config_from_dict(state["config"])
        ddp.barrier()  # every rank has read it before rank 0 rewrites metrics.jsonl
        if main:
            _prune_metrics(run_dir, state)
        data = prepare_run(config, report, state)
    else:
        if data is None:
            data = prepare_run(config, report)
        else:
            configure_torch(config)
        if main:
            write_json(run_dir / "config.json", config.to_dict())
            (run_dir / "metrics.jsonl").unlink(missing_ok=True)  # a restart logs afresh
    flag = StopFlag()
    trainer = Trainer(config, run_dir, data, report, flag)
    with stop_on_signals(flag):
        if state is not None:
            trainer.restore(state)
        else:
            trainer.write_grid("reals.png", data.images[: config.grid_size])
        if not (state and state["done"]):
            start = int(state["stage"]) if state else 1
            for number in range(start, 3):
                trainer.run_stage(number)
    summary = finish_run(trainer)  # every rank evaluates its share; rank 0 writes
    ddp.barrier(timeout_s=FINISH_TIMEOUT_S)  # other ranks wait for rank 0's summary
    return summary


def _restored(state: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    from dnagan.training.checkpoint import from_storable

    return None if state is None else dict(from_storable(state[key]))
