"""Networks come only from the generator registry: a third-party architecture can replace them."""

from __future__ import annotations

import torch

from dnagan.errors import DnaganError, PluginError
from dnagan.generators import StageNetworks
from dnagan.plugins import get_plugins
from dnagan.training.config import TrainConfig


def build_stage(config: TrainConfig, number: int) -> StageNetworks:
    """Build stage ``number``'s networks with ``config.generator``; weights seeded by the config."""
    registration = get_plugins().generators.get(config.generator)
    architecture = registration.item()
    torch.manual_seed(config.seed * 1009 + number)
    build = architecture.build_stage1 if number == 1 else architecture.build_stage2
    networks = build(config.settings())
    if not isinstance(networks, StageNetworks):
        raise PluginError(
            f"generator {config.generator!r} (plugin {registration.plugin!r}): build_stage{number} "
            f"returned {type(networks).__name__}, expected StageNetworks"
        )
    return networks


def check_settings(config: TrainConfig) -> None:
    """Validate the generator settings by building both stages on the meta device.

    Meta tensors hold no memory and no values, so this is fast for any architecture and leaves
    the global RNG untouched. The architecture's own errors (e.g. ConfigError for an unknown
    setting) propagate; anything else the meta device cannot do is left for the real build.
    """
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        for number in (1, 2):
            try:
                build_stage(config, number)
            except DnaganError:
                raise
            except Exception:  # noqa: BLE001 - e.g. a value read off a meta tensor
                return
