"""Building blocks shared by the paper and modern networks.

- :class:`LanczosResize`: Lanczos-3 resampling as two fixed matrices (registered buffers), with the
  same kernel placement and widening (for downscaling) as Pillow's ``Image.LANCZOS``.
- :class:`PixelNorm`: per-pixel feature normalisation (ProGAN); independent of the batch, so a
  sample's image never depends on what else is in the batch.
- :func:`maybe_spectral_norm`: wrap a layer in spectral normalisation when asked.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

LANCZOS_LOBES = 3


def _lanczos(x: float) -> float:
    if x == 0.0:
        return 1.0
    if -LANCZOS_LOBES < x < LANCZOS_LOBES:
        px = math.pi * x
        return LANCZOS_LOBES * math.sin(px) * math.sin(px / LANCZOS_LOBES) / (px * px)
    return 0.0


def lanczos_matrix(in_size: int, out_size: int) -> Tensor:
    """The ``(out_size, in_size)`` Lanczos-3 resampling matrix, as Pillow computes its coefficients.

    Pillow widens the kernel by the scale factor when downscaling (antialiasing), centres output
    pixel ``i`` at input coordinate ``(i + 0.5) * in/out`` and normalises every row to sum 1.
    """
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = LANCZOS_LOBES * filterscale
    matrix = torch.zeros(out_size, in_size, dtype=torch.float64)
    for i in range(out_size):
        center = (i + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        weights = [_lanczos((x - center + 0.5) / filterscale) for x in range(lo, hi)]
        total = sum(weights)
        for x, w in zip(range(lo, hi), weights, strict=True):
            matrix[i, x] = w / total if total else 0.0
    return matrix.float()


class LanczosResize(nn.Module):
    """Resize ``(n, c, h, w)`` images ``in_size`` -> ``out_size`` with fixed Lanczos-3 matrices.

    Differentiable and batched (two matrix products); the matrices are buffers, so they follow
    ``.to(device)`` and are saved in the state dict.
    """

    matrix: Tensor

    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.register_buffer("matrix", lanczos_matrix(in_size, out_size))

    def forward(self, x: Tensor) -> Tensor:
        """Resample height then width: ``M @ x @ M^T``."""
        m = self.matrix.to(x.dtype)
        return torch.matmul(torch.matmul(m, x), m.t())

    def extra_repr(self) -> str:
        return f"{self.in_size} -> {self.out_size}"


class PixelNorm(nn.Module):
    """Normalise each pixel's feature vector to unit root-mean-square (computed in float32)."""

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        """``x / sqrt(mean(x^2 over channels) + eps)``."""
        scale = torch.rsqrt(x.float().pow(2).mean(dim=1, keepdim=True) + self.eps)
        return x * scale.to(x.dtype)


def maybe_spectral_norm(module: nn.Module, enabled: bool) -> nn.Module:
    """``module`` wrapped in spectral normalisation (a parametrization) when ``enabled``."""
    if not enabled:
        return module
    return nn.utils.parametrizations.spectral_norm(module)


def conv(
    cin: int,
    cout: int,
    kernel: int,
    stride: int = 1,
    padding: int | str = "same",
    spectral: bool = False,
) -> nn.Module:
    """A 2-d convolution with bias, optionally spectrally normalised.

    ``padding="same"`` (stride 1) with an even kernel pads ``k//2 - 1`` before and ``k//2`` after,
    as Keras and PyTorch do, through an explicit :class:`~torch.nn.ZeroPad2d`.
    """
    if padding == "same" and kernel % 2 == 0:
        before, after = kernel // 2 - 1, kernel // 2
        layer = maybe_spectral_norm(nn.Conv2d(cin, cout, kernel, stride, 0), spectral)
        return nn.Sequential(nn.ZeroPad2d((before, after, before, after)), layer)
    return maybe_spectral_norm(nn.Conv2d(cin, cout, kernel, stride, padding), spectral)


def linear(fin: int, fout: int, spectral: bool = False) -> nn.Module:
    """A linear layer with bias, optionally spectrally normalised."""
    return maybe_spectral_norm(nn.Linear(fin, fout), spectral)


def scaled(channels: int, width: float, minimum: int = 4) -> int:
    """``channels * width`` rounded, never below ``minimum``."""
    return max(minimum, round(channels * width))


class LatentGenerator(nn.Module):
    """latent -> linear -> ``(channels[0], 4, 4)`` -> ``activation`` -> x2 blocks -> conv3 + tanh.

    ``block(cin, cout)`` builds one block that doubles the size; the output side is
    ``4 * 2 ** (len(channels) - 1)``.
    """

    def __init__(
        self,
        latent_dim: int,
        channels: Sequence[int],
        block: Callable[[int, int], nn.Module],
        activation: nn.Module,
    ) -> None:
        super().__init__()
        self.base = channels[0]
        self.fc = nn.Linear(latent_dim, channels[0] * 16)
        self.activation = activation
        self.blocks = nn.Sequential(*(block(a, b) for a, b in itertools.pairwise(channels)))
        self.to_rgb = conv(channels[-1], 3, 3)

    def forward(self, z: Tensor) -> Tensor:
        """Images in [-1, 1] from latents ``(n, latent_dim)``."""
        h = self.activation(self.fc(z).view(z.shape[0], self.base, 4, 4))
        return self.to_rgb(self.blocks(h)).tanh()
