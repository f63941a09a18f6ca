"""An exponential moving average of a generator's weights, used for sampling."""

from __future__ import annotations

import copy

import torch
from torch import nn


def ema_copy(model: nn.Module) -> nn.Module:
    """A frozen copy of ``model`` in eval mode to hold the average."""
    average = copy.deepcopy(model)
    average.eval()
    average.requires_grad_(False)
    return average


@torch.no_grad()
def update_ema(average: nn.Module, model: nn.Module, decay: float, step: int, warmup: int) -> None:
    """Blend ``model`` into ``average``; during warm-up the effective decay is lower.

    The effective decay is ``min(decay, (1 + step) / (1 + warmup + step))`` (``step`` counted from
    0), so the average follows the young generator closely before settling to ``decay``. Buffers
    are copied.
    """
    beta = min(decay, (1.0 + step) / (1.0 + warmup + step)) if warmup else decay
    params: list[torch.Tensor] = list(average.parameters())
    sources = [p.detach() for p in model.parameters()]
    torch._foreach_lerp_(params, sources, 1.0 - beta)
    for target, source in zip(average.buffers(), model.buffers(), strict=True):
        target.copy_(source)
