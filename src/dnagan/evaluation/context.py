"""What evaluators get: generated and real images, optional DNA, shared lazily computed features."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dnagan.evaluation.frechet import Statistics, feature_statistics
from dnagan.evaluation.inception import (
    DEFAULT_BATCH_SIZE,
    FeatureExtractor,
    InceptionFeatures,
    check_images,
)
from dnagan.evaluation.sharded import LOCAL, Group, sharded
from dnagan.evaluation.statistics import RealSet, real_features
from dnagan.image_cache import default_cache_dir


@dataclass
class EvaluationContext:
    """Inputs of one evaluation; Inception features and statistics are computed once and shared.

    ``fakes`` and ``reals`` are uint8 NHWC arrays; ``real_key`` (an image-set content key) saves
    hashing the real pixels for the statistics cache; ``generate`` maps DNA to uint8 NHWC images.
    ``feature_extractor`` replaces the default :class:`InceptionFeatures` (tests, other devices).
    ``group``: the processes that run this same evaluation together (see
    :mod:`dnagan.evaluation.sharded`); each extracts features of its share of every image set.
    """

    fakes: np.ndarray
    reals: np.ndarray
    real_key: str | None = None
    sequences: Sequence[str] | None = None
    generate: Callable[[Sequence[str]], np.ndarray] | None = None
    device: str = "cpu"
    cache_dir: Path | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    feature_extractor: FeatureExtractor | None = None
    group: Group = LOCAL
    _extractor: FeatureExtractor | None = field(default=None, init=False, repr=False)
    _fake_features: np.ndarray | None = field(default=None, init=False, repr=False)
    _fake_stats: Statistics | None = field(default=None, init=False, repr=False)
    _real: RealSet | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_images(self.fakes, "generated images")
        check_images(self.reals, "real images")

    @property
    def resolved_cache_dir(self) -> Path:
        """``cache_dir`` or the default (``$DNAGAN_CACHE_DIR`` or ``~/.cache/dnagan``)."""
        return self.cache_dir or default_cache_dir()

    @property
    def extractor(self) -> FeatureExtractor:
        """The shared feature extractor (its work split over ``group``)."""
        if self._extractor is None:
            if self.feature_extractor is None:
                self.feature_extractor = InceptionFeatures(
                    device=self.device, batch_size=self.batch_size
                )
            self._extractor = sharded(self.feature_extractor, self.group)
        return self._extractor

    def features(self, images: np.ndarray) -> np.ndarray:
        """Inception features of other images (mutants, repeats) with the shared extractor."""
        return self.extractor.features(check_images(images))

    @property
    def fake_features(self) -> np.ndarray:
        """Inception pool3 features of ``fakes`` (computed once)."""
        if self._fake_features is None:
            self._fake_features = self.extractor.features(self.fakes)
        return self._fake_features

    @property
    def real(self) -> RealSet:
        """Features and statistics of ``reals``, from the on-disk cache when possible."""
        if self._real is None:
            self._real = real_features(
                self.reals, self.extractor, self.resolved_cache_dir, self.real_key, self.group
            )
        return self._real

    @property
    def real_features(self) -> np.ndarray:
        """Inception pool3 features of ``reals`` (cached on disk)."""
        return self.real.features

    @property
    def fake_stats(self) -> Statistics:
        """Mean and covariance of the fake features."""
        if self._fake_stats is None:
            self._fake_stats = feature_statistics(self.fake_features, "generated images")
        return self._fake_stats

    @property
    def real_stats(self) -> Statistics:
        """Mean and covariance of the real features (cached on disk)."""
        return self.real.stats
