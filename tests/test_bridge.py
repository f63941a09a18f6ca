"""The latent bridge maps any encoder's features to unit-variance 128-d latents, reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

from dnagan.bridge import LatentBridge
from dnagan.errors import ConfigError, InputError


def features(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Correlated features in [0, 1], like the average encoder's."""
    rng = np.random.default_rng(seed)
    base = rng.random((n, max(1, dim // 4)))
    mix = rng.random((base.shape[1], dim))
    return (base @ mix / base.shape[1] + 0.05 * rng.random((n, dim))).astype(np.float32)


@pytest.mark.parametrize(("n", "dim"), [(600, 128), (600, 256), (400, 16), (50, 128)])
def test_latents_are_standard(n: int, dim: int) -> None:
    x = features(n, dim)
    z = LatentBridge(128).fit_transform(x)
    assert z.shape == (n, 128) and z.dtype == np.float32
    assert abs(float(z.mean())) < 1e-4
    assert float((z**2).mean()) == pytest.approx(1.0, rel=0.05)


def test_whitened_components_are_uncorrelated() -> None:
    bridge = LatentBridge(128)
    z = bridge.fit_transform(features(800, 128))
    k = bridge.components
    rotation_free = np.cov(z.T)
    # a rank-k whitening rotated into 128 dimensions: covariance = (128/k) * projection
    eigenvalues = np.sort(np.linalg.eigvalsh(rotation_free))[::-1]
    assert np.allclose(eigenvalues[:k], 128 / k, rtol=1e-3)
    assert np.allclose(eigenvalues[k:], 0, atol=1e-6)


def test_rank_is_limited_by_samples_and_constant_features() -> None:
    x = features(40, 128)
    x[:, 3] = 0.25
    bridge = LatentBridge(128).fit(x)
    assert bridge.components == 39
    x = features(500, 128)
    x[:, 3] = 0.25
    assert LatentBridge(128).fit(x).components == 127


def test_rows_transform_independently_and_state_round_trips() -> None:
    x = features(300, 64)
    bridge = LatentBridge(128, seed=3).fit(x)
    z = bridge.transform(x)
    for i in (0, 17, 299):
        assert np.array_equal(bridge.transform(x[i : i + 1])[0], z[i])
    copy = LatentBridge()
    copy.load_state_dict(bridge.state_dict())
    assert np.array_equal(copy.transform(x), z)


@pytest.mark.parametrize("mode", ["whiten", "raw"])
def test_state_with_wrong_shapes_is_refused_and_changes_nothing(mode: str) -> None:
    state = LatentBridge(32, mode=mode).fit(features(50, 8)).state_dict()
    state["mean"] = state["mean"][:-1]
    target = LatentBridge(16)
    with pytest.raises(InputError, match="does not fit dim=8"):
        target.load_state_dict(state)
    assert not target.fitted and target.latent_dim == 16


def test_seed_changes_projection_but_not_distribution() -> None:
    x = features(300, 16)
    a, b = LatentBridge(seed=0).fit_transform(x), LatentBridge(seed=1).fit_transform(x)
    assert not np.allclose(a, b)
    assert float((a**2).mean()) == pytest.approx(float((b**2).mean()), rel=1e-6)


def test_raw_mode_tiles_features_as_the_paper() -> None:
    x = features(10, 48)
    z = LatentBridge(128, mode="raw").fit_transform(x)
    assert np.array_equal(z[:, :48], x) and np.array_equal(z[:, 48:96], x)
    assert np.array_equal(z[:, 96:], x[:, :32])


def test_errors() -> None:
    with pytest.raises(ConfigError):
        LatentBridge(0)
    with pytest.raises(InputError, match="at least 2"):
        LatentBridge().fit(features(1, 8))
    bridge = LatentBridge().fit(features(20, 8))
    with pytest.raises(InputError, match="fitted on 8"):
        bridge.transform(features(2, 9))
    bad = features(5, 8)
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        bridge.transform(bad)
