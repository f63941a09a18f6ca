"""The latent bridge: encoder features -> the generator's latent space.

Encoders produce features on arbitrary scales and dimensions (the average encoder: 128 values in
[0, 1]; sgt: 16 values). The generator trains on latents that look like ``N(0, I)`` in 128
dimensions. :class:`LatentBridge` is fitted once on the DNA corpus and saved with the model:

1. standardise each feature (zero mean, unit variance; constant features are only centred);
2. PCA-whiten to ``k = min(latent_dim, dim, n - 1)`` components (numerically null ones dropped);
3. map the ``k`` whitened values to ``latent_dim`` with a fixed, seeded matrix with orthonormal
   columns, scaled by ``sqrt(latent_dim / k)`` so that every latent coordinate has unit variance.

With ``mode="raw"`` (the paper's behaviour) features are fed as they are, tiled or truncated to
``latent_dim``. All state is plain numpy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from dnagan.errors import ConfigError, InputError

BridgeMode = Literal["whiten", "raw"]

_NULL_VARIANCE = 1e-10
_ROTATION_SEED = 20210517


class LatentBridge:
    """Fitted map from encoder features ``(n, dim)`` to generator latents ``(n, latent_dim)``."""

    def __init__(self, latent_dim: int = 128, mode: BridgeMode = "whiten", seed: int = 0) -> None:
        if latent_dim < 1:
            raise ConfigError(f"latent bridge: latent_dim must be positive, got {latent_dim}")
        if mode not in ("whiten", "raw"):
            raise ConfigError(f"latent bridge: mode must be 'whiten' or 'raw', got {mode!r}")
        self.latent_dim = latent_dim
        self.mode: BridgeMode = mode
        self.seed = seed
        self.dim = 0
        self.rank = 0
        self.mean = np.zeros(0)
        self.scale = np.ones(0)
        self.projection = np.zeros((0, latent_dim))

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` (or :meth:`load_state_dict`) has been called."""
        return self.dim > 0

    @property
    def components(self) -> int:
        """Number of whitened components the latents are built from (``dim`` in raw mode)."""
        return self.rank if self.mode == "whiten" else self.dim

    def fit(self, features: np.ndarray) -> LatentBridge:
        """Learn the standardisation and whitening from a corpus of features ``(n, dim)``."""
        x = _as_matrix(features)
        n, dim = x.shape
        self.dim = dim
        if self.mode == "raw":
            self.mean = np.zeros(dim)
            self.scale = np.ones(dim)
            self.projection = np.zeros((0, self.latent_dim))
            return self
        if n < 2:
            raise InputError("latent bridge: at least 2 DNA samples are needed to fit it")
        self.mean = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean)), std, 1.0)
        z = (x - self.mean) / self.scale
        _, singular, vt = np.linalg.svd(z, full_matrices=False)
        variance = singular**2 / (n - 1)
        keep = min(self.latent_dim, dim, n - 1)
        keep = max(1, min(keep, int((variance > _NULL_VARIANCE * max(variance[0], 1e-30)).sum())))
        whiten = vt[:keep].T / np.sqrt(np.maximum(variance[:keep], _NULL_VARIANCE))  # (dim, k)
        self.rank = keep
        rotation = _orthonormal_columns(self.latent_dim, keep, self.seed)  # (latent_dim, k)
        gain = np.sqrt(self.latent_dim / keep)
        # projection maps standardised features (dim,) -> latent (latent_dim,)
        self.projection = (whiten @ rotation.T * gain).T  # (latent_dim, dim)
        return self

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Map features ``(n, dim)`` to float32 latents ``(n, latent_dim)``, row by row."""
        if not self.fitted:
            raise RuntimeError("LatentBridge.transform called before fit")
        x = _as_matrix(features)
        if x.shape[1] != self.dim:
            raise InputError(
                f"latent bridge: features have {x.shape[1]} dimensions, the bridge was fitted on "
                f"{self.dim}"
            )
        if self.mode == "raw":
            reps = -(-self.latent_dim // self.dim)
            return np.tile(x, (1, reps))[:, : self.latent_dim].astype(np.float32)
        z = (x - self.mean) / self.scale
        # einsum over each row keeps results independent of how many rows are transformed at once
        out = np.einsum("nd,ld->nl", z, self.projection, optimize=False)
        return np.asarray(out, dtype=np.float32)

    def fit_transform(self, features: np.ndarray) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` the same features."""
        return self.fit(features).transform(features)

    def state_dict(self) -> dict[str, Any]:
        """Plain state: ints, a string and float64 numpy arrays."""
        return {
            "latent_dim": self.latent_dim,
            "mode": self.mode,
            "seed": self.seed,
            "dim": self.dim,
            "rank": self.rank,
            "mean": self.mean.copy(),
            "scale": self.scale.copy(),
            "projection": self.projection.copy(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (numpy arrays or array-likes).

        Raises :class:`InputError` (leaving the bridge unchanged) for an unknown mode or arrays
        whose shapes do not fit the saved dimensions.
        """
        latent_dim, dim = int(state["latent_dim"]), int(state["dim"])
        mode = str(state["mode"])
        if mode not in ("whiten", "raw"):
            raise InputError(f"latent bridge: saved mode {mode!r} is unknown")
        mean = np.asarray(state["mean"], dtype=np.float64)
        scale = np.asarray(state["scale"], dtype=np.float64)
        if mode == "whiten":
            projection = np.asarray(state["projection"], dtype=np.float64)
        else:
            projection = np.zeros((0, latent_dim))
        shapes = (mean.shape, scale.shape, projection.shape)
        expected = ((dim,), (dim,), (latent_dim, dim) if mode == "whiten" else (0, latent_dim))
        if dim < 1 or latent_dim < 1 or shapes != expected:
            raise InputError(
                f"latent bridge: saved state does not fit dim={dim}, latent_dim={latent_dim} "
                f"(array shapes {shapes})"
            )
        self.latent_dim, self.dim = latent_dim, dim
        self.mode = "whiten" if mode == "whiten" else "raw"
        self.seed = int(state["seed"])
        self.rank = int(state["rank"])
        self.mean, self.scale, self.projection = mean, scale, projection


def _as_matrix(features: np.ndarray) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        raise InputError(f"latent bridge: expected features of shape (n, dim), got {x.shape}")
    if not np.isfinite(x).all():
        raise InputError("latent bridge: features contain NaN or inf")
    return x


def _orthonormal_columns(rows: int, columns: int, seed: int) -> np.ndarray:
    """A fixed ``(rows, columns)`` matrix with orthonormal columns (``columns <= rows``)."""
    rng = np.random.default_rng([_ROTATION_SEED, seed, rows, columns])
    q, r = np.linalg.qr(rng.standard_normal((rows, columns)))
    return q * np.sign(np.diag(r))
