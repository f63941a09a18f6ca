"""The example plugin's ``codon`` encoder against a Biopython reference, same inputs, same run.

Reference: for amino-acid composition in frame 1, ``Bio.Seq.Seq(s).translate()`` and a
``collections.Counter`` per sequence; for codon usage in 3 frames, slicing every triplet in Python.
Checks equality and reports CPU-time ratios on random reads (150 and 1000 bp) and on real MiSeq
reads (251 bp) when ``../shared/data/dna`` is present.

    nice .venv/bin/python benchmarks/bench_codon.py [--quick]

Needs dnagan-codon importable (installed, or ``PYTHONPATH=plugins/dnagan-codon/src``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from bench_encoders import best_time  # same folder: run as a script
from Bio.Seq import Seq

from dnagan.dna import DnaOptions, read_records

SHARED_DNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dna"


def reference_amino(sequences: Sequence[str], letters: str) -> np.ndarray:
    """Amino-acid composition of frame 1 via Biopython's translate."""
    rows = []
    for sequence in sequences:
        protein = str(Seq(sequence[: len(sequence) // 3 * 3]).translate())
        counts = Counter(protein)
        rows.append([counts[a] / max(len(protein), 1) for a in letters])
    return np.array(rows, dtype=np.float32)


def reference_codons(sequences: Sequence[str], codons: Sequence[str]) -> np.ndarray:
    """Codon usage over the three forward frames by slicing every triplet in Python."""
    rows = []
    for sequence in sequences:
        counts = Counter(sequence[i : i + 3] for i in range(len(sequence) - 2))
        total = max(sum(counts.values()), 1)
        rows.append([counts[c] / total for c in codons])
    return np.array(rows, dtype=np.float32)


def main() -> None:
    """Print a Markdown table of speeds and ratios."""
    import dnagan_codon

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer sequences and repeats")
    args = parser.parse_args()
    count, repeats = (500, 2) if args.quick else (3000, 3)
    rng = np.random.default_rng(0)
    inputs = {
        f"random {n} bp": ["".join(rng.choice(list("ACGT"), n)) for _ in range(count)]
        for n in (150, 1000)
    }
    miseq = SHARED_DNA / "miseq_ERR1163317_251bp.fastq.gz"
    if miseq.exists():
        records = read_records(miseq, DnaOptions(ambiguity="skip"))
        inputs["MiSeq 251 bp"] = [r.sequence for _, r in zip(range(count), records, strict=False)]
    amino = dnagan_codon.CodonEncoder.from_config({"mode": "amino", "frames": "1"})
    codons = dnagan_codon.CodonEncoder.from_config({"mode": "codons", "frames": "3"})
    cases = [
        ("amino, 1 frame", amino, lambda s: reference_amino(s, dnagan_codon.AMINO_ACIDS)),
        ("codons, 3 frames", codons, lambda s: reference_codons(s, dnagan_codon.CODONS)),
    ]
    print("| input | mode | codon seq/s | reference seq/s | speed-up | max abs diff |")
    print("|---|---|---|---|---|---|")
    for label, sequences in inputs.items():
        for mode, encoder, reference in cases:
            ours_s, ours = best_time(lambda e=encoder, s=sequences: e.encode(s), repeats)
            ref_s, ref = best_time(lambda r=reference, s=sequences: r(s), repeats)
            diff = float(np.abs(ours - ref).max())
            n = len(sequences)
            print(
                f"| {label} | {mode} | {n / ours_s:,.0f} | {n / ref_s:,.0f} | "
                f"{ref_s / ours_s:.1f}x | {diff:.1e} |"
            )


if __name__ == "__main__":
    main()
