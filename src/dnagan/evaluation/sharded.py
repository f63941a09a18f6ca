"""One evaluation run by several processes: each extracts the features of its share of the images.

The evaluation package knows nothing of ``torch.distributed``: a :class:`Group` carries the two
operations it needs (map rows in parallel and gather them in order; share the main process's
value), and :func:`dnagan.training.distributed.evaluation_group` builds one for torchrun's process
group. Every process of a group must run the same evaluation (same images, evaluators and order),
so that their collective calls line up; decisions that depend on local files (a cache hit) are
made by the main process and shared, and only the main process writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dnagan.evaluation.inception import FeatureExtractor, check_images

#: ``map_rows(function, items, block)``: ``function(items)`` computed by the group's processes,
#: each on a contiguous share of whole blocks of ``block`` rows, gathered in order on every one.
RowMap = Callable[[Callable[[np.ndarray], np.ndarray], np.ndarray, int], np.ndarray]


def _map_here(
    function: Callable[[np.ndarray], np.ndarray], items: np.ndarray, _block: int
) -> np.ndarray:
    return function(items)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Group:
    """The processes sharing one evaluation (default: this process alone).

    ``share(value)`` returns the main process's ``value`` on every process.
    """

    size: int = 1
    main: bool = True
    map_rows: RowMap = _map_here
    share: Callable[[Any], Any] = _same


#: This process alone: nothing is split, shared or waited for.
LOCAL = Group()


class ShardedFeatures:
    """``extractor``'s features computed by all processes of ``group`` and gathered in order.

    The shares are whole blocks of ``block`` rows (default: the extractor's ``batch_size``), so
    every batch is one a single process would run and the features are bit-identical to a
    single process's on the same hardware and thread count. ``dims``, ``extractor_id`` and
    ``cache_id`` are the extractor's: cache keys do not change.
    """

    def __init__(self, extractor: FeatureExtractor, group: Group, block: int | None = None) -> None:
        self.extractor = extractor
        self.group = group
        self.block = max(1, block or getattr(extractor, "batch_size", 1))

    @property
    def dims(self) -> int:
        """The extractor's feature count."""
        return self.extractor.dims

    @property
    def extractor_id(self) -> str:
        """The extractor's id."""
        return self.extractor.extractor_id

    @property
    def cache_id(self) -> str:
        """The extractor's cache id."""
        return self.extractor.cache_id

    def features(self, images: np.ndarray) -> np.ndarray:
        """Features of uint8 ``(n, h, w, 3)`` images: this process's share, then all gathered."""
        return self.group.map_rows(self.extractor.features, check_images(images), self.block)


def sharded(extractor: FeatureExtractor, group: Group) -> FeatureExtractor:
    """``extractor`` split over ``group`` (``extractor`` itself for a single process)."""
    return extractor if group.size == 1 else ShardedFeatures(extractor, group)
