"""The end of a run: held-out samples, evaluation through the evaluator registry, summary.json.

Under torchrun every rank evaluates (the same fakes, reals and evaluators, so that their collective
calls line up) and extracts the Inception features of its share of each image set; the features
are gathered, and rank 0 alone writes samples, plots, the statistics cache, metrics and summary.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from dnagan.atomic import append_line, write_json

if TYPE_CHECKING:
    from dnagan.generation import Model
    from dnagan.training.loop import Trainer

logger = logging.getLogger("dnagan")

STAGE1_PREFIX = "stage1_"
_EVAL_BATCH = 25


def stage1_key(key: str) -> str:
    """``stage1_fid`` -> ``fid_stage1``, ``stage1_fid_n`` -> ``fid_stage1_n``."""
    metric, _, rest = key.removeprefix(STAGE1_PREFIX).partition("_")
    return f"{metric}_stage1" + (f"_{rest}" if rest else "")


def eval_latents(trainer: Trainer, count: int) -> np.ndarray:
    """Latents for evaluation fakes: the training DNA's bridge latents, cycled to ``count``."""
    latents = trainer.data.latents
    return latents[np.arange(count) % len(latents)]


@torch.no_grad()
def eval_fakes(trainer: Trainer, latents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stage-1 and stage-2 uint8 fakes from the sampling generators, in batches.

    Under torchrun each rank generates a contiguous share of whole batches and the images are
    gathered in order, so every rank holds the same fakes a single process would make.
    """
    from dnagan.evaluation import to_uint8
    from dnagan.training import distributed as ddp

    g1 = trainer.frozen_stage1()
    g2 = trainer.stages[2].sampler_model.eval()
    small: list[np.ndarray] = []
    large: list[np.ndarray] = []
    mine = latents[ddp.block_share(len(latents), _EVAL_BATCH)]
    for start in range(0, len(mine), _EVAL_BATCH):
        z = torch.from_numpy(mine[start : start + _EVAL_BATCH]).to(trainer.device)
        with trainer.autocast():
            image1 = g1(z)
            image2 = g2(image1, z)
        small.append(to_uint8(image1))
        large.append(to_uint8(image2))
    config = trainer.config
    return (
        ddp.all_gather_array(_stacked(small, config.stage1_size)),
        ddp.all_gather_array(_stacked(large, config.stage2_size)),
    )


def _stacked(batches: list[np.ndarray], size: int) -> np.ndarray:
    """The batches as one array; no rows at ``size`` pixels for a rank that had none."""
    return np.concatenate(batches) if batches else np.zeros((0, size, size, 3), np.uint8)


def evaluate(trainer: Trainer, model: Model) -> dict[str, Any]:
    """Run the configured evaluators on stage-2 and stage-1 fakes against the training images.

    Every rank must call it (features are split over the ranks); all get the same metrics.
    """
    config = trainer.config
    if not config.evaluators and not config.stage1_evaluators:
        return {}
    from dnagan.evaluation import EvaluationContext, run_evaluators
    from dnagan.training import distributed as ddp
    from dnagan.training.loop import configure_threads

    configure_threads(config)
    trainer.reporter.note(f"evaluating ({config.eval_samples} samples)")
    small, large = eval_fakes(trainer, eval_latents(trainer, config.eval_samples))
    data = trainer.data
    sequences = [r.sequence for r in data.holdout_records or data.train_records[:16]]

    def generate(seqs: Any) -> np.ndarray:
        from dnagan.dna import records_from_strings

        return model.generate(records_from_strings(list(seqs)))

    results: dict[str, Any] = {}
    device, group = trainer.device.type, ddp.evaluation_group()
    if config.evaluators:
        context = EvaluationContext(
            fakes=large, reals=data.images, real_key=data.real_key,
            sequences=sequences, generate=generate, device=device, group=group,
        )
        results.update(run_evaluators(context, config.evaluators))
    if config.stage1_evaluators:
        key = f"{data.real_key}-at{config.stage1_size}" if data.real_key else None
        context = EvaluationContext(
            fakes=small, reals=data.images_small, real_key=key, device=device, group=group
        )
        stage1 = run_evaluators(context, config.stage1_evaluators, prefix=STAGE1_PREFIX)
        results.update({stage1_key(k): v for k, v in stage1.items()})
    return results


def finish_run(trainer: Trainer) -> dict[str, Any]:
    """Write ``samples/`` and the loss plots, evaluate, write ``summary.json``; return it.

    Every rank calls it (after the final checkpoint): rank 0 writes, the ranks evaluate together
    (:func:`evaluate`); other ranks return ``{"rank": rank}``.
    """
    from dnagan.generation import load_model, write_samples
    from dnagan.training import distributed as ddp
    from dnagan.training.loop import FINISH_TIMEOUT_S

    run_dir = trainer.run_dir
    model = load_model(run_dir)
    main = trainer.dist.main
    if main:
        trainer.reporter.note(f"writing {len(trainer.data.holdout_records)} held-out samples")
        write_samples(model, trainer.data.holdout_records, run_dir / "samples")
        for number in (1, 2):
            trainer.plot(number)
    ddp.barrier(timeout_s=FINISH_TIMEOUT_S)  # the others wait for rank 0's samples
    metrics = evaluate(trainer, model)
    if not main:
        return {"rank": trainer.dist.rank}
    if metrics:
        line = {"stage": 2, "step": trainer.stages[2].total, **_plain(metrics)}
        append_line(run_dir / "metrics.jsonl", json.dumps(line, sort_keys=True))
    summary: dict[str, Any] = {
        **metrics,
        "encoder": trainer.config.encoder,
        "preset": trainer.config.preset,
        "generator": trainer.config.generator,
        "model": model.model_hash,
        "steps_stage1": trainer.stages[1].total,
        "steps_stage2": trainer.stages[2].total,
        "train_seconds": round(trainer.train_seconds, 3),
        "images_per_s": round(trainer.images_seen / max(trainer.train_seconds, 1e-9), 3),
        "train_images": len(trainer.data.images),
        "train_dna": len(trainer.data.train_records),
        "samples": len(trainer.data.holdout_records),
        "images": trainer.data.image_source,
        "dna": trainer.data.dna_source,
    }
    write_json(run_dir / "summary.json", _plain(summary))
    return summary


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in values.items()}
