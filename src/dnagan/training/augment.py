"""DiffAugment (Zhao et al. 2020): differentiable augmentation for data-efficient GAN training.

Same operations and random ranges as the official ``DiffAugment_pytorch.py``: ``color`` (brightness
+-0.5, saturation x[0, 2], contrast x[0.5, 1.5]), ``translation`` (up to 1/8 of the size, zero
padding) and ``cutout`` (one zeroed square of half the size). Apply it to real and fake images in
both the D and the G step. Every random draw comes from ``generator`` when one is given, so a
seeded generator reproduces the augmentation exactly (needed for bit-exact resume).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from dnagan.errors import ConfigError

DEFAULT_POLICY = "color,translation,cutout"
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5

Augmentation = Callable[[Tensor, "torch.Generator | None"], Tensor]


def _rand(x: Tensor, generator: torch.Generator | None) -> Tensor:
    """Uniform [0, 1) per sample, shape (n, 1, 1, 1), drawn on the generator's device."""
    device = generator.device if generator is not None else x.device
    draw = torch.rand(x.shape[0], 1, 1, 1, generator=generator, device=device)
    return draw.to(device=x.device, dtype=x.dtype)


def _randint(low: int, high: int, n: int, x: Tensor, generator: torch.Generator | None) -> Tensor:
    """Integers in [low, high) per sample, shape (n, 1, 1)."""
    device = generator.device if generator is not None else x.device
    draw = torch.randint(low, high, (n, 1, 1), generator=generator, device=device)
    return draw.to(x.device)


def rand_brightness(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Add a per-image offset in [-0.5, 0.5)."""
    return x + (_rand(x, generator) - 0.5)


def rand_saturation(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Scale each image's distance from its per-pixel channel mean by a factor in [0, 2)."""
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_rand(x, generator) * 2) + mean


def rand_contrast(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Scale each image's distance from its overall mean by a factor in [0.5, 1.5)."""
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (_rand(x, generator) + 0.5) + mean


def _grids(n: int, h: int, w: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    batch, rows, columns = torch.meshgrid(
        torch.arange(n, device=device),
        torch.arange(h, device=device),
        torch.arange(w, device=device),
        indexing="ij",
    )
    return batch, rows, columns


def rand_translation(
    x: Tensor, generator: torch.Generator | None = None, ratio: float = TRANSLATION_RATIO
) -> Tensor:
    """Shift each image by up to ``ratio`` of its size in x and y, filling with zeros."""
    n, _, h, w = x.shape
    shift_x, shift_y = int(h * ratio + 0.5), int(w * ratio + 0.5)
    translation_x = _randint(-shift_x, shift_x + 1, n, x, generator)
    translation_y = _randint(-shift_y, shift_y + 1, n, x, generator)
    grid_batch, grid_x, grid_y = _grids(n, h, w, x.device)
    grid_x = torch.clamp(grid_x + translation_x + 1, 0, h + 1)
    grid_y = torch.clamp(grid_y + translation_y + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1, 0, 0, 0, 0])
    shifted = padded.permute(0, 2, 3, 1).contiguous()[grid_batch, grid_x, grid_y]
    return shifted.permute(0, 3, 1, 2)


def rand_cutout(
    x: Tensor, generator: torch.Generator | None = None, ratio: float = CUTOUT_RATIO
) -> Tensor:
    """Zero one square of ``ratio`` times the size at a random centre in each image."""
    n, _, h, w = x.shape
    size_x, size_y = int(h * ratio + 0.5), int(w * ratio + 0.5)
    offset_x = _randint(0, h + (1 - size_x % 2), n, x, generator)
    offset_y = _randint(0, w + (1 - size_y % 2), n, x, generator)
    grid_batch, grid_x, grid_y = _grids(n, size_x, size_y, x.device)
    grid_x = torch.clamp(grid_x + offset_x - size_x // 2, min=0, max=h - 1)
    grid_y = torch.clamp(grid_y + offset_y - size_y // 2, min=0, max=w - 1)
    mask = torch.ones(n, h, w, dtype=x.dtype, device=x.device)
    mask[grid_batch, grid_x, grid_y] = 0
    return x * mask.unsqueeze(1)


POLICIES: dict[str, tuple[Augmentation, ...]] = {
    "color": (rand_brightness, rand_saturation, rand_contrast),
    "translation": (rand_translation,),
    "cutout": (rand_cutout,),
}


def parse_policy(policy: str) -> list[str]:
    """The policy's names in order (``""`` gives none); an unknown name raises ConfigError."""
    names = [name.strip() for name in policy.split(",") if name.strip()]
    for name in names:
        if name not in POLICIES:
            valid = ", ".join(POLICIES)
            raise ConfigError(f"unknown augmentation {name!r} (valid: {valid})")
    return names


def diff_augment(
    x: Tensor, policy: str = DEFAULT_POLICY, generator: torch.Generator | None = None
) -> Tensor:
    """Augment a batch ``(n, c, h, w)`` differentiably with the comma-separated ``policy``.

    Random draws use ``generator`` (on its own device) when given, else the global RNG; the same
    generator state gives the same output. The result keeps ``x``'s shape, dtype and memory format.
    """
    names = parse_policy(policy)
    if not names:
        return x
    channels_last = x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)
    for name in names:
        for augmentation in POLICIES[name]:
            x = augmentation(x, generator)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    return x.contiguous(memory_format=memory_format)
