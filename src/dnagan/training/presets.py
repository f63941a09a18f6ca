"""The named training presets: ``paper``, ``quick`` (the default) and ``smoke``.

- ``paper``: the paper's schedule (NOTES.md section 1). Adam 2e-4 / beta1 0.5 (beta2 0.999), lr
  halved every 50 epochs, batch 32, binary cross-entropy, real labels ``1 - 0.2 * U(0, 1)`` (so real
  targets lie in [0.8, 1.0]), 136 + 301 epochs, stage 1 frozen while stage 2 trains; the generator
  trains on Gaussian noise and generation feeds it the raw DNA features (``bridge = "raw"``), as the
  paper did. No augmentation, no EMA, fp32.
- ``quick``: narrow networks that up-sample by nearest x2 + conv (no checkerboard texture), with
  spectral norm, hinge loss, DiffAugment color/translation/cutout on
  real and fake images in D and G steps, an EMA generator (decay 0.999 with warm-up) for sampling,
  G lr 1e-4 / D lr 4e-4, betas (0, 0.99), batch 32, bf16 autocast + channels_last. The generator
  trains on the whitened latents of real DNA (the latent bridge) plus a little jitter. Sized so that
  ``dnagan run --encoder average`` takes at most ~10 minutes on 2 CPU cores, evaluation included.
- ``smoke``: tiny networks and a few steps for tests and checks; a whole run in well under a minute.
"""

from __future__ import annotations

from dnagan.errors import ConfigError
from dnagan.training.config import StageConfig, TrainConfig

_PAPER_STAGE = StageConfig(
    steps=1,
    batch_size=32,
    g_lr=2e-4,
    d_lr=2e-4,
    beta1=0.5,
    beta2=0.999,
    lr_halve_every_epochs=50,
    log_every=10,
    sample_every=1000,
    checkpoint_every=1000,
)


def _paper() -> TrainConfig:
    return TrainConfig(
        preset="paper",
        network={"variant": "paper"},
        image_count=4319,  # the size of the Kaggle landscape set the paper used
        latent_source="noise",
        latent_jitter=0.0,
        bridge="raw",
        loss="bce",
        real_label_noise=0.2,
        augment="",
        ema_decay=0.0,
        ema_warmup=0,
        eval_samples=1000,
        stage1=StageConfig(**{**_PAPER_STAGE.__dict__, "epochs": 136}),
        stage2=StageConfig(**{**_PAPER_STAGE.__dict__, "epochs": 301}),
    )


def _quick() -> TrainConfig:
    return TrainConfig(
        preset="quick",
        network={"variant": "quick", "upsample": "nearest"},
        image_count=512,
        corpus_size=1000,
        bf16=True,
        channels_last=True,
        eval_samples=256,
        stage1=StageConfig(steps=300, sample_every=75, checkpoint_every=150),
        stage2=StageConfig(steps=90, batch_size=16, sample_every=45, checkpoint_every=45),
    )


def _smoke() -> TrainConfig:
    return TrainConfig(
        preset="smoke",
        threads=1,  # tiny networks: one thread is fastest and keeps runs bit-reproducible
        network={"variant": "smoke"},
        image_count=64,
        corpus_size=80,
        holdout_min=4,
        holdout_max=8,
        ema_warmup=2,
        grid_size=4,
        eval_samples=32,
        evaluators=["fid", "diversity"],
        stage1=StageConfig(
            steps=6, batch_size=8, log_every=2, sample_every=3, checkpoint_every=3
        ),
        stage2=StageConfig(
            steps=4, batch_size=4, log_every=2, sample_every=2, checkpoint_every=2
        ),
    )


PRESETS = {"paper": _paper, "quick": _quick, "smoke": _smoke}
DEFAULT_PRESET = "quick"


def preset_names() -> list[str]:
    """The preset names, sorted."""
    return sorted(PRESETS)


def get_preset(name: str) -> TrainConfig:
    """The :class:`TrainConfig` of preset ``name``; unknown names raise ConfigError listing all."""
    try:
        factory = PRESETS[name]
    except KeyError:
        raise ConfigError(
            f"unknown preset {name!r} (valid: {', '.join(preset_names())})"
        ) from None
    return factory()
