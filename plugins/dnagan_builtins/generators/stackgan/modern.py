"""Narrow networks for CPU training (variants ``quick`` and ``smoke``, the latter at a tiny width).

Generators up-sample with transposed convolutions (k4, stride 2; a quarter of the arithmetic of
nearest x2 + conv k4) or, with ``upsample="nearest"``, nearest x2 + conv k3 (no checkerboard
pattern, 2.25 times the arithmetic of those layers), then PixelNorm and LeakyReLU 0.2, and no
batch-dependent layer: a sample's image never depends on the rest of its batch, and an EMA copy
needs only the parameters. Discriminators use spectral norm (optional), LeakyReLU 0.2 and return
raw logits ``(n,)`` (the trainer applies the hinge loss).

Stage 2 follows StackGAN-II: the stage-1 image is Lanczos-resized to 56, encoded to 28x28, joined
with a projection of ``z`` tiled over 28x28, refined by residual blocks and up-sampled 28 -> 224
with few channels at high resolution. Its output is added (before tanh) to the Lanczos up-sampled
stage-1 image, so an untrained stage 2 already returns a smooth copy of the stage-1 image.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from dnagan_builtins.generators.stackgan.layers import (
    LanczosResize,
    LatentGenerator,
    PixelNorm,
    conv,
    linear,
    scaled,
)
from dnagan_builtins.generators.stackgan.settings import Upsample

QUICK_G1_CHANNELS = (256, 256, 128, 64, 32)  # at 4, 8, 16, 32, 64
QUICK_D1_CHANNELS = (32, 64, 128, 256, 256)  # at 64, 32, 16, 8, 4
QUICK_G2_ENCODE = (32, 64)  # at 56, 28
QUICK_G2_LATENT = 32  # channels of the tiled z projection
QUICK_G2_UP = (64, 32, 16)  # at 56, 112, 224
QUICK_G2_RESBLOCKS = 2
QUICK_D2_CHANNELS = (16, 32, 64, 128, 256)  # at 112, 56, 28, 14, 7
STAGE2_CODE_SIZE = 28
SKIP_LIMIT = 0.999


def act() -> nn.Module:
    """The activation of all modern networks: LeakyReLU 0.2."""
    return nn.LeakyReLU(0.2)


def up_block(cin: int, cout: int, upsample: Upsample = "transposed") -> nn.Sequential:
    """Double the size (transposed conv k4 s2, or nearest x2 + conv k3), PixelNorm, LeakyReLU."""
    resize: list[nn.Module] = (
        [nn.ConvTranspose2d(cin, cout, 4, 2, 1)]
        if upsample == "transposed"
        else [nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout, 3)]
    )
    return nn.Sequential(*resize, PixelNorm(), act())


def _ups(channels: Sequence[int], upsample: Upsample) -> nn.Sequential:
    return nn.Sequential(*(up_block(a, b, upsample) for a, b in itertools.pairwise(channels)))


class QuickStage1Generator(LatentGenerator):
    """latent -> linear -> (256w, 4, 4) -> 4 up blocks -> conv3 + tanh: 64x64."""

    def __init__(
        self, latent_dim: int = 128, width: float = 1.0, upsample: Upsample = "transposed"
    ) -> None:
        channels = [scaled(c, width) for c in QUICK_G1_CHANNELS]
        block = functools.partial(up_block, upsample=upsample)
        super().__init__(latent_dim, channels, block, nn.Sequential(PixelNorm(), act()))


class ResidualBlock(nn.Module):
    """``x + conv3(act(norm(conv3(x))))``, then PixelNorm."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv(channels, channels, 3), PixelNorm(), act(), conv(channels, channels, 3)
        )
        self.norm = PixelNorm()

    def forward(self, x: Tensor) -> Tensor:
        """Residual update."""
        return self.norm(x + self.body(x))


class QuickStage2Generator(nn.Module):
    """(stage-1 image, z) -> 224x224: encode to 28x28, join tiled z, residual blocks, up-sample."""

    def __init__(
        self,
        latent_dim: int = 128,
        width: float = 1.0,
        stage1_size: int = 64,
        size: int = 224,
        upsample: Upsample = "transposed",
    ) -> None:
        super().__init__()
        enc = [scaled(c, width) for c in QUICK_G2_ENCODE]
        zc = scaled(QUICK_G2_LATENT, width)
        up = [enc[-1], *(scaled(c, width) for c in QUICK_G2_UP)]
        self.code_size = STAGE2_CODE_SIZE
        self.resize = LanczosResize(stage1_size, STAGE2_CODE_SIZE * 2)
        self.encode = nn.Sequential(conv(3, enc[0], 3), act(), conv(enc[0], enc[1], 4, 2, 1), act())
        self.project = nn.Linear(latent_dim, zc)
        self.join = nn.Sequential(conv(enc[1] + zc, enc[1], 3), PixelNorm(), act())
        self.residual = nn.Sequential(*(ResidualBlock(enc[1]) for _ in range(QUICK_G2_RESBLOCKS)))
        self.blocks = _ups(up, upsample)
        self.to_rgb = conv(up[-1], 3, 3)
        self.skip = LanczosResize(stage1_size, size)

    def forward(self, image1: Tensor, z: Tensor) -> Tensor:
        """224x224 images in [-1, 1] from stage-1 images and their latents."""
        h = self.encode(self.resize(image1))
        code = self.project(z)[:, :, None, None].expand(-1, -1, self.code_size, self.code_size)
        h = self.join(torch.cat([h, code.to(h.dtype)], dim=1))
        rgb = self.to_rgb(self.blocks(self.residual(h)))
        base = torch.atanh(self.skip(image1).clamp(-SKIP_LIMIT, SKIP_LIMIT))
        return (rgb + base.to(rgb.dtype)).tanh()


class ModernDiscriminator(nn.Module):
    """Spectral-norm CNN: stem, conv k4 s2 blocks (+ a conv3 at sizes 8..32), flatten -> linear."""

    def __init__(
        self, size: int, channels: Sequence[int], stem_stride: int, spectral: bool = True
    ) -> None:
        super().__init__()
        stem_kernel = 3 if stem_stride == 1 else 4
        stem_padding: int | str = "same" if stem_stride == 1 else 1
        layers: list[nn.Module] = [
            conv(3, channels[0], stem_kernel, stem_stride, stem_padding, spectral),
            act(),
        ]
        side = size // stem_stride
        for cin, cout in itertools.pairwise(channels):
            side //= 2
            layers += [conv(cin, cout, 4, 2, 1, spectral), act()]
            if 8 <= side <= 32:
                layers += [conv(cout, cout, 3, 1, "same", spectral), act()]
        self.features = nn.Sequential(*layers)
        self.fc = linear(channels[-1] * side * side, 1, spectral)

    def forward(self, x: Tensor) -> Tensor:
        """One logit per image."""
        return self.fc(self.features(x).flatten(1)).squeeze(1)


def quick_stage1_discriminator(width: float, spectral: bool, size: int = 64) -> ModernDiscriminator:
    """Stage-1 D: 64 -> 32 -> 16 -> 8 -> 4 (stem k3 s1)."""
    return ModernDiscriminator(size, [scaled(c, width) for c in QUICK_D1_CHANNELS], 1, spectral)


def quick_stage2_discriminator(
    width: float, spectral: bool, size: int = 224
) -> ModernDiscriminator:
    """Stage-2 D: 224 -> 112 (stem k4 s2) -> 56 -> 28 -> 14 -> 7."""
    return ModernDiscriminator(size, [scaled(c, width) for c in QUICK_D2_CHANNELS], 2, spectral)
