"""Evaluation split over 2 gloo ranks (torchrun, tests/ddp_worker.py) and the statistics-cache lock.

Tolerance: none. Each rank extracts the features of contiguous whole batches, so every batch is
one a single process would run and the gathered features are bit-identical to a single process's
(same machine, same thread count); so are the metrics computed from them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import ddp_worker  # the worker's helpers, for the single-process references
import numpy as np
import pytest
from test_distributed import WORKER, load_ranks, run_args, torchrun

from dnagan.evaluation.sharded import LOCAL, Group, ShardedFeatures, sharded
from dnagan.evaluation.statistics import real_features
from dnagan.training import distributed as ddp


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """One torchrun launch of ``ddp_worker.py evaluation``: both ranks' results."""
    folder = tmp_path_factory.mktemp("evaluation")
    torchrun("evaluation", str(folder))
    return load_ranks(folder)


def test_gathered_features_equal_one_process_in_order(ranks: list[dict[str, Any]]) -> None:
    fakes = ddp_worker.random_images(7, 1)
    single = ddp_worker.CheapFeatures().features(fakes)
    for result in ranks:
        np.testing.assert_array_equal(result["gathered"], single)
        np.testing.assert_array_equal(result["inception"], ranks[0]["inception_alone"])
    assert ranks[0]["inception"].shape == (7, 2048)
    # 7 images in batches of 3: rank 0 takes the first two batches, rank 1 the last (1 image)
    assert [r["seen"] for r in ranks] == [6, 1]


def test_rank0_decides_cache_hits_and_alone_writes(
    ranks: list[dict[str, Any]], tmp_path: Path
) -> None:
    single = ddp_worker.evaluate_cheaply(tmp_path, LOCAL)
    assert single["reals_seen"] == 11
    for rank, result in enumerate(ranks):
        for case in ("hit", "miss"):
            assert result[case]["metrics"] == single["metrics"], (rank, case)
    # hit: rank 0's cache holds the statistics; no rank extracts real features, none writes
    assert [r["hit"]["reals_seen"] for r in ranks] == [0, 0]
    before, after = ranks[0]["hit"]["files"]
    assert len(before) == 1 and after == before
    assert ranks[1]["hit"]["files"] == ({}, {})
    # miss: only rank 1's (another node's) cache holds them; all ranks extract, rank 0 writes
    assert [r["miss"]["reals_seen"] for r in ranks] == [6, 5]
    assert ranks[0]["miss"]["files"][0] == {}
    assert ranks[0]["miss"]["files"][1].keys() == ranks[1]["miss"]["files"][0].keys()
    before, after = ranks[1]["miss"]["files"]
    assert len(before) == 1 and after == before


def test_ddp_run_evaluates_like_one_process(tmp_path: Path) -> None:
    """``dnagan run`` on 2 ranks with FID and KID, then the finished run re-evaluated alone."""
    run = tmp_path / "run"
    sets = ["evaluators=fid,kid", "stage1_evaluators=fid", "eval_samples=6"]
    args = [arg for pair in sets for arg in ("--set", pair)]
    done = torchrun(*run_args(run), *args, env={"DNAGAN_CACHE_DIR": str(tmp_path / "two")})
    assert "terminate called" not in done.stderr  # no rank left the group while another ran
    two = json.loads((run / "summary.json").read_text())
    assert len(list((tmp_path / "two" / "fid-stats").glob("*.npz"))) == 2  # stage 2 and 1
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
                   "DNAGAN_CACHE_DIR": str(tmp_path / "one")}
    subprocess.run([sys.executable, str(WORKER), "run", "--resume", str(run)], env=environment,
                   check=True, capture_output=True, timeout=180)
    one = json.loads((run / "summary.json").read_text())
    for key in ("fid", "fid_n", "kid", "kid_std", "fid_stage1"):
        assert two[key] == one[key], key


# ------------------------------------------------------------------ the statistics-cache lock


class SlowFeatures(ddp_worker.CheapFeatures):
    """CheapFeatures that take a while: a second caller arrives while the first computes."""

    def features(self, images: np.ndarray) -> np.ndarray:
        time.sleep(0.3)
        return super().features(images)


def test_concurrent_callers_compute_the_statistics_once(tmp_path: Path) -> None:
    reals = ddp_worker.random_images(11, 2)
    extractor = SlowFeatures()
    results: list[Any] = []

    def worker() -> None:
        results.append(real_features(reals, extractor, tmp_path))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert extractor.seen == 11  # one computation; the others waited and read the entry
    for result in results[1:]:
        np.testing.assert_array_equal(result.features, results[0].features)
    assert len(list((tmp_path / "fid-stats").glob("*.lock"))) == 1


def test_without_fcntl_the_cache_works_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl raises ImportError
    reals = ddp_worker.random_images(11, 2)
    extractor = ddp_worker.CheapFeatures()
    first = real_features(reals, extractor, tmp_path)
    again = real_features(reals, extractor, tmp_path)
    assert extractor.seen == 11
    np.testing.assert_array_equal(again.features, first.features)
    assert not list((tmp_path / "fid-stats").glob("*.lock"))


def test_single_process_group_changes_nothing() -> None:
    extractor = ddp_worker.CheapFeatures()
    images = ddp_worker.random_images(5, 4)
    assert ddp.evaluation_group() is LOCAL
    assert sharded(extractor, LOCAL) is extractor
    # a wrapped extractor keeps its identity (cache keys) and, alone, its results
    wrapped = ShardedFeatures(extractor, Group())
    assert (wrapped.cache_id, wrapped.extractor_id, wrapped.dims, wrapped.block) == (
        extractor.cache_id, extractor.extractor_id, 6, 3
    )
    np.testing.assert_array_equal(wrapped.features(images), extractor.features(images))
