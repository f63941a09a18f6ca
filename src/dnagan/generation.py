"""Generation: DNA records -> 224x224 landscapes with a trained model, deterministically.

:func:`load_model` reads a run folder's final (or latest) checkpoint: the sampling generators of
both stages (the EMA copies when the run kept one), the fitted encoder and the latent bridge. The
same sequence and the same model always give bit-identical images: every record goes through the
encoder, the bridge and the networks on its own, in float32, on the CPU by default.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from dnagan import __version__
from dnagan.bridge import LatentBridge
from dnagan.devices import resolve_device
from dnagan.encoders import Encoder, encode_checked
from dnagan.errors import InputError
from dnagan.evaluation import to_uint8
from dnagan.training.checkpoint import find_checkpoint, from_storable, load_checkpoint
from dnagan.training.config import TrainConfig, config_from_dict

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 100


class RecordLike(Protocol):
    """Anything with an ``id`` and a ``sequence`` (e.g. :class:`dnagan.dna.Record`)."""

    @property
    def id(self) -> str: ...

    @property
    def sequence(self) -> str: ...


@dataclass
class Model:
    """A trained two-stage generator with its encoder and latent bridge."""

    config: TrainConfig
    encoder: Encoder
    encoder_plugin: str
    bridge: LatentBridge
    stage1: nn.Module
    stage2: nn.Module
    model_hash: str
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def latents(self, records: Sequence[RecordLike]) -> np.ndarray:
        """The bridge latents of ``records``, float32 ``(n, latent_dim)``, computed one by one."""
        rows = [
            self.bridge.transform(encode_checked(self.encoder, [r.sequence], self.encoder_plugin))
            for r in records
        ]
        if not rows:
            return np.zeros((0, self.bridge.latent_dim), dtype=np.float32)
        return np.concatenate(rows)

    @torch.no_grad()
    def render(self, latents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stage-1 and stage-2 uint8 images of each latent row, each computed on its own."""
        small, large = [], []
        for row in np.asarray(latents, dtype=np.float32):
            z = torch.from_numpy(row[None].copy()).to(self.device)
            image1 = self.stage1(z)
            small.append(to_uint8(image1))
            large.append(to_uint8(self.stage2(image1, z)))
        if not large:
            s1, s2 = self.config.stage1_size, self.config.stage2_size
            return (np.zeros((0, s1, s1, 3), np.uint8), np.zeros((0, s2, s2, 3), np.uint8))
        return np.concatenate(small), np.concatenate(large)

    def generate(self, records: Sequence[RecordLike]) -> np.ndarray:
        """224x224 (stage-2 size) uint8 images ``(n, h, w, 3)``, one per record."""
        return self.render(self.latents(records))[1]

    def metadata(self) -> dict[str, str]:
        """PNG metadata of generated images: encoder, model hash and dnagan version only."""
        return {"encoder": self.encoder.name, "model": self.model_hash, "dnagan": __version__}


def sample_names(records: Sequence[RecordLike]) -> list[str]:
    """File stems for ``records``: sanitised ids ([A-Za-z0-9._-]), deduplicated.

    An id that sanitises to nothing gets a salted hash of the record (the salt is random per call,
    so the name cannot be traced back to the sequence). Sequences never become names.
    """
    salt = secrets.token_bytes(16)
    names: list[str] = []
    seen: set[str] = set()
    for record in records:
        stem = _UNSAFE.sub("_", record.id).strip("._")[:_MAX_NAME]
        if not stem:
            digest = hashlib.sha256(salt + record.sequence.encode("ascii", "replace"))
            stem = "sample-" + digest.hexdigest()[:16]
        name, number = stem, 1
        while name.lower() in seen:
            number += 1
            name = f"{stem}-{number}"
        seen.add(name.lower())
        names.append(name)
    return names


def write_samples(
    model: Model,
    records: Sequence[RecordLike],
    out_dir: str | Path,
    names: Sequence[str] | None = None,
) -> list[Path]:
    """Write one PNG per record into ``out_dir`` (named by :func:`sample_names`); return paths."""
    from dnagan.images import save_png

    folder = Path(out_dir)
    paths = []
    metadata = model.metadata()
    for record, name in zip(records, names or sample_names(records), strict=True):
        image = model.generate([record])[0]
        path = folder / f"{name}.png"
        save_png(path, image, metadata)
        paths.append(path)
    return paths


def file_hash(path: Path) -> str:
    """First 16 hex digits of the SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def sampling_generator(stage_state: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The weights to sample with from a stage's checkpoint entry: EMA when present, else G."""
    ema = stage_state.get("ema")
    return ema if ema else stage_state["generator"]


def load_model(run_dir: str | Path, device: str = "cpu") -> Model:
    """Load a run folder's trained model (final checkpoint, else the latest)."""
    from dnagan.training.data import create_encoder
    from dnagan.training.networks import build_stage

    path = find_checkpoint(run_dir)
    state = load_checkpoint(path)
    config = config_from_dict(state["config"])
    if not state.get("done"):
        raise InputError(f"{run_dir}: training has not finished (use dnagan run --resume)")
    missing = [key for key in ("1", "2") if not isinstance(state["stages"].get(key), dict)]
    if missing:
        raise InputError(f"{path}: not a dnagan checkpoint (no stage {' or '.join(missing)})")
    torch_device = resolve_device(device)
    encoder, plugin = create_encoder(config)
    bridge = LatentBridge(config.latent_dim)
    generators = []
    try:
        encoder.load_state_dict(from_storable(state["encoder"]))
        bridge.load_state_dict(from_storable(state["bridge"]))
        for number in (1, 2):
            networks = build_stage(config, number)
            networks.generator.load_state_dict(sampling_generator(state["stages"][str(number)]))
            generators.append(networks.generator.to(torch_device).eval().requires_grad_(False))
    except (KeyError, RuntimeError, TypeError, ValueError, AttributeError) as error:
        raise InputError(
            f"{path}: checkpoint does not match its model ({type(error).__name__})"
        ) from None
    return Model(
        config=config,
        encoder=encoder,
        encoder_plugin=plugin,
        bridge=bridge,
        stage1=generators[0],
        stage2=generators[1],
        model_hash=file_hash(path),
        device=torch_device,
    )
