"""Reading + validating FASTQ (``dnagan.dna.read_records``) vs ``Bio.SeqIO.parse``, same files.

Uses the 100,000-read Illumina file from ``../shared/data/dna`` (ambiguity=drop, it carries N)
when present, else a simulated file of the same shape. Reports CPU seconds (best of ``--repeats``)
for the gzip file and its decompressed copy, and the peak traced memory of reading the file once and
four times over (a 4x larger gzip of concatenated members) to show it does not grow with size.

    nice .venv/bin/python benchmarks/bench_reading.py
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dnagan.dna import DnaOptions, read_records

SHARED_FASTQ = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "dna"
    / "illumina_SRR059298_72bp.fastq.gz"
)


def simulated_fastq(path: Path, reads: int = 100_000, length: int = 72) -> Path:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(reads, length))
    lines = []
    for i, row in enumerate(codes):
        sequence = "".join("ACGT"[c] for c in row)
        lines.append(f"@sim.{i} simulated length={length}\n{sequence}\n+\n{'I' * length}\n")
    path.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=6))
    return path


def ours(path: Path) -> int:
    total = 0
    for record in read_records(path, DnaOptions(ambiguity="drop")):
        total += len(record.sequence)
    return total


def biopython(path: Path) -> int:
    from Bio import SeqIO

    opener = gzip.open if path.suffix == ".gz" else open
    total = 0
    with opener(path, "rt") as handle:
        for record in SeqIO.parse(handle, "fastq"):
            total += len(str(record.seq))
    return total


def best_time(function: Callable[[Path], int], path: Path, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        function(path)
        best = min(best, time.process_time() - start)
    return best


def peak_memory(path: Path) -> float:
    """Peak traced Python memory (MiB) while streaming ``path`` once."""
    tracemalloc.start()
    ours(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if SHARED_FASTQ.exists():
            source, label = SHARED_FASTQ, f"{SHARED_FASTQ.name} (100,000 x 72 bp, real, with N)"
        else:
            source, label = simulated_fastq(work / "sim.fastq.gz"), "simulated 100,000 x 72 bp"
        plain = work / "reads.fastq"
        with gzip.open(source, "rb") as compressed, open(plain, "wb") as out:
            shutil.copyfileobj(compressed, out)
        four = work / "reads4x.fastq.gz"
        four.write_bytes(source.read_bytes() * 4)  # four gzip members: a valid gzip file

        print(f"input: {label}; dnagan with ambiguity=drop; CPU seconds, best of {args.repeats}")
        print("| file | Bio.SeqIO.parse s | dnagan read_records s | speed-up |")
        print("|---|---:|---:|---:|")
        for name, path in (("gzip", source), ("plain (decompressed)", plain)):
            reference = best_time(biopython, path, args.repeats)
            mine = best_time(ours, path, args.repeats)
            print(f"| {name} | {reference:.3f} | {mine:.3f} | {reference / mine:.1f}x |")
        one, many = peak_memory(source), peak_memory(four)
        print()
        print("| input | reads | peak traced memory MiB |")
        print("|---|---:|---:|")
        print(f"| 1x gzip | 100,000 | {one:.1f} |")
        print(f"| 4x gzip (concatenated) | 400,000 | {many:.1f} |")


if __name__ == "__main__":
    main()
