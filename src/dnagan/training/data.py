"""Dataset assembly: images and DNA -> encoded features -> latent bridge -> training latents.

Images come from ``config.images`` (a folder or zip, through :func:`dnagan.images.load_images`) or
the embedded synthetic landscapes; DNA from ``config.dna`` (:func:`dnagan.dna.load_records`) or the
embedded synthetic read corpus. A seeded part of the DNA corpus is held out: those samples are
never trained on and become the run's ``samples/``. The encoder and the bridge are fitted on the
rest. Images and DNA are unpaired: the trainer pairs them at random.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dnagan.bridge import LatentBridge
from dnagan.dna import DnaOptions, Record, load_records
from dnagan.encoders import Encoder, encode_checked
from dnagan.errors import InputError
from dnagan.options import parse_options
from dnagan.plugins import get_plugins
from dnagan.training.config import TrainConfig

EMBEDDED_SEED = 0  # the embedded data never changes with the training seed
HOLDOUT_SALT = 7919


@dataclass
class TrainingData:
    """Everything the trainer consumes, ready in memory."""

    images: np.ndarray  # uint8 (n, stage2_size, stage2_size, 3)
    images_small: np.ndarray  # uint8 (n, stage1_size, stage1_size, 3)
    real_key: str | None
    train_records: list[Record]
    holdout_records: list[Record]
    latents: np.ndarray  # float32 (len(train_records), latent_dim)
    encoder: Encoder
    bridge: LatentBridge
    image_source: str
    dna_source: str


def load_training_images(config: TrainConfig) -> tuple[np.ndarray, str | None, str]:
    """Images at stage-2 size: (uint8 NHWC, cache key, description of the source)."""
    if config.images:
        from dnagan.images import load_images

        image_set = load_images(config.images, config.stage2_size, fit=config.image_fit)
        if len(image_set.images) == 0:
            raise InputError(f"{config.images}: no readable images")
        return image_set.images, image_set.key, str(config.images)
    from dnagan.synthetic.landscapes import render_landscapes

    images = render_landscapes(config.image_count, config.stage2_size, seed=EMBEDDED_SEED)
    # no content key: the evaluator hashes the pixels, so a changed renderer never hits stale stats
    return images, None, f"embedded synthetic landscapes ({config.image_count})"


def downsized(images: np.ndarray, size: int) -> np.ndarray:
    """``images`` resized to ``size`` (Lanczos), or themselves when already that size."""
    if images.shape[1] == size:
        return images
    from dnagan.images import resize_images

    return resize_images(images, size)


def load_corpus(config: TrainConfig) -> tuple[list[Record], str]:
    """The DNA samples and a description of their source (never the sequences)."""
    if config.dna:
        options = parse_options(DnaOptions, config.dna_options, "DNA options")
        records = load_records(config.dna, options=options, limit=config.max_records)
        return records, str(config.dna)
    from dnagan.synthetic.reads import default_corpus

    records = default_corpus(count=config.corpus_size, seed=EMBEDDED_SEED)
    return list(records), f"embedded synthetic reads ({config.corpus_size})"


def split_holdout(records: list[Record], config: TrainConfig) -> tuple[list[Record], list[Record]]:
    """A seeded split into (training, held-out) records; at least 2 stay for training."""
    n = len(records)
    count = round(config.holdout_fraction * n)
    count = min(max(count, config.holdout_min), config.holdout_max, n - 2)
    if n < 3 or count < 1:
        if n < 2:
            raise InputError(f"need at least 2 DNA samples to train, got {n}")
        return list(records), []
    order = np.random.default_rng([HOLDOUT_SALT, config.seed]).permutation(n)
    held = set(order[:count].tolist())
    train = [r for i, r in enumerate(records) if i not in held]
    holdout = [r for i, r in enumerate(records) if i in held]
    return train, holdout


def create_encoder(config: TrainConfig) -> tuple[Encoder, str]:
    """The configured encoder (unfitted) and the plugin that provides it."""
    registration = get_plugins().encoders.get(config.encoder)
    return registration.item.from_config(config.encoder_options), registration.plugin


def prepare_data(
    config: TrainConfig,
    encoder_state: dict[str, Any] | None = None,
    bridge_state: dict[str, Any] | None = None,
) -> TrainingData:
    """Load images and DNA, fit (or restore) the encoder and the bridge, compute latents."""
    encoder, plugin = create_encoder(config)
    records, dna_source = load_corpus(config)
    train, holdout = split_holdout(records, config)
    sequences = [r.sequence for r in train]
    if encoder_state is None:
        encoder.fit(sequences)
    else:
        encoder.load_state_dict(encoder_state)
    features = encode_checked(encoder, sequences, plugin)
    bridge = LatentBridge(config.latent_dim, mode=config.bridge, seed=config.seed)
    if bridge_state is None:
        bridge.fit(features)
    else:
        bridge.load_state_dict(bridge_state)
    images, key, image_source = load_training_images(config)
    small = downsized(images, config.stage1_size)
    return TrainingData(
        images=images,
        images_small=small,
        real_key=key,
        train_records=train,
        holdout_records=holdout,
        latents=bridge.transform(features),
        encoder=encoder,
        bridge=bridge,
        image_source=image_source,
        dna_source=dna_source,
    )
