"""Inception pool3 features exactly as pytorch-fid computes them, only faster.

The network is pytorch-fid's own ``InceptionV3([3])`` (its bilinear resize to 299 and its scaling
to [-1, 1] included) fed ``uint8 / 255`` like torchvision's ``ToTensor``. The fast path changes
only how the arithmetic is scheduled: small batches (cache-friendly on CPU), channels-last memory
layout, ``inference_mode`` and batch norm folded into the convolutions (fp32 throughout).
Features differ from pytorch-fid's by ~1e-5, FID by far less than 1e-3 relative.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

import numpy as np
import torch
from torch import nn

from dnagan.errors import InputError
from dnagan.evaluation.weights import ensure_inception_weights, weights_digest

#: Identifies what produced the features (part of every cached-statistics key).
FEATURE_EXTRACTOR_ID = "pytorch-fid/InceptionV3/pool3/bilinear-299/uint8"
DEFAULT_BATCH_SIZE = 16
BLOCK_BY_DIMS = {64: 0, 192: 1, 768: 2, 2048: 3}


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Quantise generator output ``(n, 3, h, w)`` in [-1, 1] to uint8 NHWC as a saved PNG holds it.

    ``round((x + 1) * 127.5)`` clipped to [0, 255]; use it before saving and before evaluating.
    """
    scaled = ((images.detach().float() + 1) * 127.5).round().clamp_(0, 255)
    return scaled.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def check_images(images: np.ndarray, what: str = "images") -> np.ndarray:
    """Validate a uint8 ``(n, h, w, 3)`` array; raises :class:`InputError` otherwise."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise InputError(
            f"{what}: expected a uint8 numpy array, got {getattr(images, 'dtype', type(images))}"
        )
    if images.ndim != 4 or images.shape[-1] != 3:
        raise InputError(f"{what}: expected shape (n, height, width, 3), got {images.shape}")
    return images


def fuse_batch_norm(network: nn.Module) -> nn.Module:
    """Fold every ``BasicConv2d``'s batch norm into its convolution (eval mode, in place)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    from torchvision.models.inception import BasicConv2d

    for module in network.modules():
        if isinstance(module, BasicConv2d) and isinstance(module.bn, nn.BatchNorm2d):
            module.conv = fuse_conv_bn_eval(module.conv, module.bn)
            module.bn = nn.Identity()  # type: ignore[assignment]
    return network


def _batches(images: Iterable[np.ndarray], batch_size: int) -> Iterator[np.ndarray]:
    """Stack consecutive images of equal shape into batches of at most ``batch_size``."""
    pending: list[np.ndarray] = []
    for image in images:
        if pending and (len(pending) == batch_size or image.shape != pending[0].shape):
            yield np.stack(pending)
            pending = []
        pending.append(image)
    if pending:
        yield np.stack(pending)


@contextmanager
def _intra_op_threads(threads: int | None) -> Iterator[None]:
    """Torch's intra-op thread count set to ``threads`` (when given) inside, restored after."""
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if threads:
            torch.set_num_threads(previous)


class FeatureExtractor(Protocol):
    """What evaluation needs of a feature extractor (:class:`InceptionFeatures` is one)."""

    @property
    def dims(self) -> int:
        """Features per image."""

    @property
    def extractor_id(self) -> str:
        """What produces the features."""

    @property
    def cache_id(self) -> str:
        """What cached statistics of the features depend on (part of their key)."""

    def features(self, images: np.ndarray) -> np.ndarray:
        """Float64 ``(n, dims)`` features of uint8 ``(n, h, w, 3)`` images, row by row."""


class InceptionFeatures:
    """pytorch-fid's Inception features for uint8 NHWC images (float64, ``(n, dims)``).

    ``fast=False`` runs pytorch-fid's network unchanged (NCHW, no fusion); ``threads`` sets
    torch's intra-op threads while features are computed (default: leave torch's choice).
    """

    def __init__(
        self,
        device: str = "cpu",
        batch_size: int = DEFAULT_BATCH_SIZE,
        dims: int = 2048,
        fast: bool = True,
        threads: int | None = None,
    ) -> None:
        if dims not in BLOCK_BY_DIMS:
            raise InputError(
                f"dims {dims} not supported (valid: {', '.join(map(str, BLOCK_BY_DIMS))})"
            )
        if batch_size < 1:
            raise InputError(f"batch size must be at least 1, got {batch_size}")
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.dims = dims
        self.fast = fast
        self.threads = threads
        self._model: nn.Module | None = None

    @property
    def extractor_id(self) -> str:
        """What produced these features, for cache keys (``FEATURE_EXTRACTOR_ID`` + dims)."""
        return f"{FEATURE_EXTRACTOR_ID}/{self.dims}"

    @property
    def cache_id(self) -> str:
        """:attr:`extractor_id` plus the weights' SHA-256: what cached statistics depend on."""
        return f"{self.extractor_id}/weights-sha256:{weights_digest()}"

    def model(self) -> nn.Module:
        """The network, built on first use (obtaining the weights if needed)."""
        if self._model is None:
            from pytorch_fid.inception import InceptionV3

            ensure_inception_weights()
            network = InceptionV3([BLOCK_BY_DIMS[self.dims]]).eval()
            if self.fast:
                network = fuse_batch_norm(network).to(memory_format=torch.channels_last)
            self._model = network.to(self.device)
        return self._model

    def features(self, images: np.ndarray | Iterable[np.ndarray]) -> np.ndarray:
        """Features of a uint8 ``(n, h, w, 3)`` array or of an iterable of ``(h, w, 3)`` images."""
        if isinstance(images, np.ndarray):
            images = check_images(images)
        model = self.model()
        rows: list[np.ndarray] = []
        with _intra_op_threads(self.threads), torch.inference_mode():
            for batch in _batches(images, self.batch_size):
                check_images(batch)
                x = torch.from_numpy(batch).to(self.device).permute(0, 3, 1, 2)
                memory = torch.channels_last if self.fast else torch.contiguous_format
                x = x.float().div(255).contiguous(memory_format=memory)
                out = model(x)[0]
                if out.shape[2:] != (1, 1):
                    out = nn.functional.adaptive_avg_pool2d(out, (1, 1))
                rows.append(out.flatten(1).cpu().numpy().astype(np.float64))
        if not rows:
            return np.empty((0, self.dims), dtype=np.float64)
        return np.concatenate(rows)
