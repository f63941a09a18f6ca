"""Training configuration: dataclasses, TOML files and ``KEY=VALUE`` overrides, all validated.

A :class:`TrainConfig` is a preset (:mod:`dnagan.training.presets`) with overrides applied, first
from a TOML file (``--config``), then from the command line (``--set stage1.steps=200``). Unknown
keys, wrong types and out-of-range values raise :class:`~dnagan.errors.ConfigError` naming the key.
The resolved configuration is written to ``config.json`` in the run folder and saved in every
checkpoint; it never contains DNA.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dnagan.errors import ConfigError
from dnagan.options import parse_options

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Loss = Literal["hinge", "bce"]
LatentSource = Literal["dna", "noise"]
BridgeMode = Literal["whiten", "raw"]
Device = Literal["auto", "cpu", "cuda"]


def _positive(owner: str, **values: int | float) -> None:
    for key, value in values.items():
        if value <= 0:
            raise ValueError(f"{owner}{key} must be positive, got {value!r}")


def _non_negative(owner: str, **values: int | float) -> None:
    for key, value in values.items():
        if value < 0:
            raise ValueError(f"{owner}{key} must not be negative, got {value!r}")


@dataclass(frozen=True)
class StageConfig:
    """Schedule and optimiser of one stage.

    ``steps`` counts optimisation steps (one D step + one G step on a batch). When ``epochs`` is set
    it wins: steps = epochs x (training images // batch_size). The learning rate is halved every
    ``lr_halve_every`` steps or ``lr_halve_every_epochs`` epochs (0: constant).
    """

    steps: int = 1000
    epochs: int | None = None
    batch_size: int = 32
    g_lr: float = 1e-4
    d_lr: float = 4e-4
    beta1: float = 0.0
    beta2: float = 0.99
    lr_halve_every: int = 0
    lr_halve_every_epochs: int = 0
    log_every: int = 10
    sample_every: int = 500
    checkpoint_every: int = 500

    def __post_init__(self) -> None:
        _positive(
            "",
            steps=self.steps,
            batch_size=self.batch_size,
            g_lr=self.g_lr,
            d_lr=self.d_lr,
            log_every=self.log_every,
            sample_every=self.sample_every,
            checkpoint_every=self.checkpoint_every,
        )
        if self.epochs is not None:
            _positive("", epochs=self.epochs)
        _non_negative(
            "",
            lr_halve_every=self.lr_halve_every,
            lr_halve_every_epochs=self.lr_halve_every_epochs,
        )
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError("beta1 and beta2 must lie in [0, 1)")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (see the presets for documented values)."""

    preset: str = "quick"
    encoder: str = "average"
    encoder_options: dict[str, Any] = field(default_factory=dict)
    generator: str = "stackgan"
    network: dict[str, Any] = field(default_factory=lambda: {"variant": "quick"})
    latent_dim: int = 128
    stage1_size: int = 64
    stage2_size: int = 224
    seed: int = 0
    device: Device = "auto"
    threads: int = 0
    # data
    images: str | None = None
    image_fit: Literal["crop", "squash"] = "crop"
    image_count: int = 2000
    dna: str | None = None
    dna_options: dict[str, Any] = field(default_factory=dict)
    corpus_size: int = 2000
    max_records: int | None = None
    holdout_fraction: float = 0.1
    holdout_min: int = 8
    holdout_max: int = 64
    # latents
    latent_source: LatentSource = "dna"
    latent_jitter: float = 0.05
    bridge: BridgeMode = "whiten"
    # objective and tricks
    loss: Loss = "hinge"
    real_label_noise: float = 0.0
    augment: str = "color,translation,cutout"
    ema_decay: float = 0.999
    ema_warmup: int = 100
    bf16: bool = False
    channels_last: bool = False
    deterministic: bool = False
    # outputs
    grid_size: int = 16
    eval_samples: int = 500
    evaluators: list[str] = field(default_factory=lambda: ["fid", "kid", "diversity"])
    stage1_evaluators: list[str] = field(default_factory=lambda: ["fid"])
    stage1: StageConfig = field(default_factory=StageConfig)
    stage2: StageConfig = field(default_factory=StageConfig)

    def __post_init__(self) -> None:
        _positive(
            "",
            latent_dim=self.latent_dim,
            stage1_size=self.stage1_size,
            stage2_size=self.stage2_size,
            image_count=self.image_count,
            corpus_size=self.corpus_size,
            grid_size=self.grid_size,
            eval_samples=self.eval_samples,
        )
        _non_negative(
            "",
            threads=self.threads,
            holdout_min=self.holdout_min,
            holdout_max=self.holdout_max,
            latent_jitter=self.latent_jitter,
            real_label_noise=self.real_label_noise,
            ema_warmup=self.ema_warmup,
            seed=self.seed,
        )
        if self.max_records is not None:
            _positive("", max_records=self.max_records)
        if not 0 <= self.holdout_fraction < 1:
            raise ValueError(f"holdout_fraction must lie in [0, 1), got {self.holdout_fraction}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay}")
        if not 0 <= self.real_label_noise <= 1:
            raise ValueError(f"real_label_noise must lie in [0, 1], got {self.real_label_noise}")
        for key in ("evaluators", "stage1_evaluators"):
            value = getattr(self, key)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{key} must be a list of names, got {value!r}")
        for key in ("encoder_options", "network", "dna_options"):
            if not isinstance(getattr(self, key), dict):
                raise ValueError(f"{key} must be a table, got {getattr(self, key)!r}")

    def settings(self) -> dict[str, Any]:
        """The settings handed to the generator architecture's ``build_stage1/2``."""
        return {
            **self.network,
            "latent_dim": self.latent_dim,
            "stage1_size": self.stage1_size,
            "stage2_size": self.stage2_size,
        }

    def stage(self, number: int) -> StageConfig:
        """The :class:`StageConfig` of stage 1 or 2."""
        return self.stage1 if number == 1 else self.stage2

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable form (what ``config.json`` holds)."""
        return dataclasses.asdict(self)


_STAGES = ("stage1", "stage2")
_TABLES = ("encoder_options", "network", "dna_options")
_LISTS = ("evaluators", "stage1_evaluators")


def config_from_dict(values: Mapping[str, Any], base: TrainConfig | None = None) -> TrainConfig:
    """Build a config from nested plain data, on top of ``base`` (defaults when None)."""
    return merge(base or TrainConfig(), values)


def merge(config: TrainConfig, values: Mapping[str, Any], where: str = "config") -> TrainConfig:
    """Return ``config`` with nested ``values`` applied; tables and lists replace, stages merge."""
    top = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    for key, value in values.items():
        if key in _STAGES:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: {key!r} must be a table, got {value!r}")
            stage = getattr(config, key)
            current = {f.name: getattr(stage, f.name) for f in dataclasses.fields(stage)}
            top[key] = parse_options(StageConfig, {**current, **value}, f"{where} [{key}]")
        elif key in _TABLES and isinstance(value, Mapping):
            top[key] = dict(value)
        elif key in _LISTS and isinstance(value, str):
            top[key] = [v.strip() for v in value.split(",") if v.strip() and v.strip() != "none"]
        else:
            top[key] = value
    return parse_options(TrainConfig, top, where)


def load_toml(path: str | Path, base: TrainConfig) -> TrainConfig:
    """Apply a TOML file (top-level keys plus ``[stage1]``/``[stage2]``/``[network]`` tables)."""
    target = Path(path)
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{target}: cannot read config file ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{target}: invalid TOML ({error})") from None
    return merge(base, data, where=str(target))


def parse_value(text: str) -> Any:
    """A CLI value as TOML reads it (``200``, ``1e-4``, ``true``, ``["fid"]``), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(config: TrainConfig, pairs: Iterable[str]) -> TrainConfig:
    """Apply ``KEY=VALUE`` overrides; dotted keys reach into stages and tables."""
    nested: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"override {pair!r} is not of the form KEY=VALUE")
        head, dot, rest = key.partition(".")
        value = parse_value(raw.strip())
        if not dot:
            nested[head] = value
        elif head in _STAGES or head in _TABLES:
            table = nested.setdefault(head, {} if head in _STAGES else dict(getattr(config, head)))
            if not isinstance(table, dict):
                raise ConfigError(f"override {key!r}: {head!r} was set to {table!r}, "
                                  f"which is not a table")
            table[rest] = value
        else:
            raise ConfigError(f"override {key!r}: {head!r} has no fields (use stage1., stage2., "
                              f"{', '.join(t + '.' for t in _TABLES)})")
    return merge(config, nested, where="override")


def config_to_json(config: TrainConfig) -> str:
    """The config as indented JSON text."""
    return json.dumps(config.to_dict(), indent=2, sort_keys=True)
