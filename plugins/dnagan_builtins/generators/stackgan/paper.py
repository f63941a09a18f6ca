"""The networks of the paper (Steele, Fiegel, Fiolic 2021), as NOTES.md section 1 describes them.

Choices the paper leaves open, made here and fixed:

- Stage-1 up-sample block = nearest x2, conv 3x3 'same' (the paper gives no kernel), ReLU.
- Stage-2 up-sample block = transposed conv k4 stride 2 padding 1 (Keras' Conv2DTranspose(f, 4,
  strides=2, padding="same")), ReLU. Same parameters as nearest x2 + conv k4 but a quarter of the
  arithmetic: at 224x224 with 112 -> 224 filters that is 5 instead of 20 GMAC per image.
- A ReLU follows the stage-1 dense layer; the final convolutions (3 filters) use kernel 3.
- Stage-1 D: the first conv (64 filters, k4) has stride 1 ('same'), so the 4 down-sample blocks
  (k4, stride 2, padding 1) take 64x64 to 4x4x1024 - the mirror image of the generator.
- Stage-2 D: conv 224 k4 s2 then 3 down-sample blocks k4 s2 (56, 112, 224): 224 -> 112 -> 56 ->
  28 -> 14, flattened to 14*14*224 = 43,904 -> dense 1. Down-sample blocks: conv, ReLU, dropout 0.2.
- Initialisation as Keras' defaults (Glorot-uniform weights, zero biases); discriminators return
  raw logits (use BCE-with-logits).
"""

from __future__ import annotations

import itertools

from torch import Tensor, nn

from dnagan_builtins.generators.stackgan.layers import (
    LanczosResize,
    LatentGenerator,
    conv,
    linear,
    scaled,
)

PAPER_STAGE1_FILTERS = (1024, 512, 256, 128, 64)
PAPER_D1_FILTERS = (64, 128, 256, 512, 1024)
PAPER_STAGE2_FILTERS = (112, 224)
PAPER_D2_FILTERS = (224, 56, 112, 224)
PAPER_DROPOUT = 0.2
PAPER_STAGE2_INPUT = 56


def keras_init(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every conv and linear layer (Keras defaults)."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            weight = getattr(layer, "parametrizations", None)
            target = weight.weight.original if weight is not None else layer.weight
            nn.init.xavier_uniform_(target)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def up_block(cin: int, cout: int) -> nn.Sequential:
    """Stage 1: nearest x2, conv 3x3 'same', ReLU."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout, 3), nn.ReLU())


def transposed_up_block(cin: int, cout: int) -> nn.Sequential:
    """Stage 2: transposed conv k4 stride 2 (doubles the size), ReLU."""
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.ReLU())


def down_block(cin: int, cout: int, spectral: bool) -> nn.Sequential:
    """Conv k4 stride 2 (halves the size), ReLU, dropout 0.2."""
    return nn.Sequential(conv(cin, cout, 4, 2, 1, spectral), nn.ReLU(), nn.Dropout(PAPER_DROPOUT))


class PaperStage1Generator(LatentGenerator):
    """latent -> dense + ReLU -> (1024, 4, 4) -> 4 up blocks (k3) -> conv 3 + tanh: 64x64."""

    def __init__(self, latent_dim: int = 128, width: float = 1.0) -> None:
        filters = [scaled(f, width) for f in PAPER_STAGE1_FILTERS]
        super().__init__(latent_dim, filters, up_block, nn.ReLU())
        keras_init(self)


class PaperDiscriminator(nn.Module):
    """conv k4 (stride ``stem_stride``) + LeakyReLU 0.2 -> down blocks -> dense 1: logits (n,)."""

    def __init__(self, filters: list[int], stem_stride: int, size: int, spectral: bool) -> None:
        super().__init__()
        padding: int | str = "same" if stem_stride == 1 else 1
        self.stem = nn.Sequential(
            conv(3, filters[0], 4, stem_stride, padding, spectral), nn.LeakyReLU(0.2)
        )
        self.blocks = nn.Sequential(
            *(down_block(a, b, spectral) for a, b in itertools.pairwise(filters))
        )
        side = size // (stem_stride * 2 ** (len(filters) - 1))
        self.fc = linear(filters[-1] * side * side, 1, spectral)
        keras_init(self)

    def forward(self, x: Tensor) -> Tensor:
        """One logit per image."""
        return self.fc(self.blocks(self.stem(x)).flatten(1)).squeeze(1)


class PaperStage1Discriminator(PaperDiscriminator):
    """conv 64 k4 s1 + LeakyReLU 0.2 -> 4 down blocks (128..1024) -> dense 1: logits (n,)."""

    def __init__(self, width: float = 1.0, spectral: bool = False, size: int = 64) -> None:
        super().__init__([scaled(f, width) for f in PAPER_D1_FILTERS], 1, size, spectral)


class PaperStage2Generator(nn.Module):
    """stage-1 image -> Lanczos 56 -> 2 up blocks k4 (112, 224) -> conv 3 + tanh: 224x224.

    ``z`` is accepted and ignored: the paper's stage 2 has no latent of its own.
    """

    def __init__(self, width: float = 1.0, stage1_size: int = 64) -> None:
        super().__init__()
        filters = [3, *(scaled(f, width) for f in PAPER_STAGE2_FILTERS)]
        self.resize = LanczosResize(stage1_size, PAPER_STAGE2_INPUT)
        self.blocks = nn.Sequential(
            *(transposed_up_block(a, b) for a, b in itertools.pairwise(filters))
        )
        self.to_rgb = conv(filters[-1], 3, 3)
        keras_init(self)

    def forward(self, image1: Tensor, z: Tensor | None = None) -> Tensor:
        """224x224 images in [-1, 1] from stage-1 images (``z`` ignored)."""
        return self.to_rgb(self.blocks(self.resize(image1))).tanh()


class PaperStage2Discriminator(PaperDiscriminator):
    """conv 224 k4 s2 + LeakyReLU -> 3 down blocks k4 (56, 112, 224) -> dense 1: logits (n,)."""

    def __init__(self, width: float = 1.0, spectral: bool = False, size: int = 224) -> None:
        super().__init__([scaled(f, width) for f in PAPER_D2_FILTERS], 2, size, spectral)
