"""Built-in encoders against their references, same inputs, same run: equality and speed ratios.

- ``sgt`` vs the ``sgt`` 2.0.3 package (``SGT(kappa=1, lengthsensitive=False, alphabets=ACGT)``),
- ``kmer`` (k=4 counts) vs scikit-learn ``CountVectorizer(analyzer="char", ngram_range=(4, 4))``,
- ``average`` vs a direct ``numpy.array_split`` loop,

at read lengths 150 and 1000 on random sequences, plus real MiSeq reads (251 bp) when
``../shared/data/dna`` is present. Times are process CPU seconds, best of ``--repeats``.

    nice .venv/bin/python benchmarks/bench_encoders.py [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dnagan.dna import DnaOptions, read_records
from dnagan.plugins import create_encoder

SHARED_DNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dna"


def best_time(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Smallest CPU time over ``repeats`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        result = function()
        best = min(best, time.process_time() - start)
    return max(best, 1e-9), result


def random_sequences(count: int, length: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(count, length))
    return ["".join("ACGT"[c] for c in row) for row in codes]


def real_reads(count: int) -> list[str] | None:
    path = SHARED_DNA / "miseq_ERR1163317_251bp.fastq.gz"
    if not path.exists():
        return None
    reads = (r.sequence for r in read_records(path, DnaOptions(ambiguity="skip")))
    return [s for s in reads if len(s) == 251][:count]


def sgt_reference(sequences: Sequence[str]) -> np.ndarray:
    import pandas
    from sgt import SGT

    corpus = pandas.DataFrame(
        {"id": range(len(sequences)), "sequence": [list(s) for s in sequences]}
    )
    model = SGT(kappa=1, lengthsensitive=False, alphabets=list("ACGT"))
    return model.fit_transform(corpus).iloc[:, 1:].to_numpy(dtype=np.float64)


def kmer_reference(sequences: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(4, 4), lowercase=False)
    counts = vectorizer.fit_transform(sequences).toarray()
    return counts, list(vectorizer.get_feature_names_out())


def average_reference(sequences: Sequence[str]) -> np.ndarray:
    table = {"A": 0.0, "C": 1.0, "G": 2.0, "T": 3.0}
    return np.array(
        [
            [w.mean() / 3 for w in np.array_split(np.array([table[c] for c in s]), 128)]
            for s in sequences
        ],
        dtype=np.float32,
    )


def max_relative(ours: np.ndarray, reference: np.ndarray) -> float:
    scale = np.maximum(np.abs(reference), 1e-300)
    difference = np.abs(ours - reference) / scale
    difference[(ours == 0) & (reference == 0)] = 0
    return float(difference.max())


def bench_sgt(label: str, sequences: list[str], repeats: int) -> dict[str, Any]:
    from dnagan_builtins.encoders._sgt_math import sgt_features

    reference_time, reference = best_time(lambda: sgt_reference(sequences), 1)
    ours_time, ours = best_time(lambda: sgt_features(sequences, 1.0, False), repeats)
    return {
        "encoder": "sgt",
        "input": label,
        "n": len(sequences),
        "equal": f"max rel diff {max_relative(ours, reference):.1e}",
        "reference/s": len(sequences) / reference_time,
        "ours/s": len(sequences) / ours_time,
    }


def bench_kmer(label: str, sequences: list[str], repeats: int) -> dict[str, Any]:
    encoder = create_encoder("kmer", {"k": "4"})
    names = encoder.feature_names()  # type: ignore[attr-defined]
    reference_time, (reference, vocabulary) = best_time(lambda: kmer_reference(sequences), repeats)
    ours_time, ours = best_time(lambda: encoder.counts(sequences), repeats)  # type: ignore[attr-defined]
    columns = [names.index(name) for name in vocabulary]
    equal = bool(np.array_equal(ours[:, columns], reference)) and ours.sum() == reference.sum()
    return {
        "encoder": "kmer (k=4 counts)",
        "input": label,
        "n": len(sequences),
        "equal": "identical counts" if equal else "DIFFERENT",
        "reference/s": len(sequences) / reference_time,
        "ours/s": len(sequences) / ours_time,
    }


def bench_average(label: str, sequences: list[str], repeats: int) -> dict[str, Any]:
    encoder = create_encoder("average")
    reference_time, reference = best_time(lambda: average_reference(sequences), 1)
    ours_time, ours = best_time(lambda: encoder.encode(sequences), repeats)
    return {
        "encoder": "average",
        "input": label,
        "n": len(sequences),
        "equal": "bit-identical" if np.array_equal(ours, reference) else "DIFFERENT",
        "reference/s": len(sequences) / reference_time,
        "ours/s": len(sequences) / ours_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sequences (smoke run)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    sgt_reference(["ACGT"])  # imports (pandas, sgt) outside the timings
    kmer_reference(["ACGT"])

    def sized(count: int) -> int:
        return max(5, int(count * scale))

    inputs: list[tuple[str, int, int]] = [("random L=150", 150, 200), ("random L=1000", 1000, 20)]
    rows = []
    for label, length, count in inputs:
        sequences = random_sequences(sized(count), length, seed=length)
        rows.append(bench_sgt(label, sequences, args.repeats))
    for label, length, count in inputs:
        sequences = random_sequences(sized(count * 10), length, seed=length + 1)
        rows.append(bench_kmer(label, sequences, args.repeats))
        rows.append(bench_average(label, sequences, args.repeats))
    reads = real_reads(sized(200))
    if reads:
        rows.append(bench_sgt("MiSeq reads 251 bp", reads, args.repeats))
        rows.append(bench_kmer("MiSeq reads 251 bp", reads, args.repeats))
    else:
        print(f"(no real reads: {SHARED_DNA} not found)")

    header = "| encoder | input | n | equality | reference seq/s | dnagan seq/s | speed-up |"
    print(header)
    print("|---|---|---:|---|---:|---:|---:|")
    for row in rows:
        ratio = row["ours/s"] / row["reference/s"]
        print(
            f"| {row['encoder']} | {row['input']} | {row['n']} | {row['equal']} | "
            f"{row['reference/s']:,.0f} | {row['ours/s']:,.0f} | {ratio:,.0f}x |"
        )


if __name__ == "__main__":
    main()
