"""Cut simulated Illumina reads from the real B. subtilis genome in ../shared/data/dna.

The closest organism-matched stand-in for the paper's B. subtilis FASTQ. Usage::

    .venv/bin/python benchmarks/make_bsubtilis_reads.py --out bench-out/bsubtilis_reads.fastq
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dnagan.dna import read_records
from dnagan.synthetic.reads import simulate_reads, write_fastq

SHARED_DNA = Path(__file__).resolve().parents[1].parent / "shared/data/dna"
GENOME = SHARED_DNA / "bsubtilis_atcc6633_genome.fasta"


def main() -> None:
    """Write the reads FASTQ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genome", type=Path, default=GENOME)
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--length", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    genome = next(read_records(args.genome)).sequence
    reads = simulate_reads(genome, args.count, args.length, seed=args.seed)
    write_fastq(reads, args.out)
    print(f"{len(reads)} reads of {args.length} bp from {args.genome.name} -> {args.out}")


if __name__ == "__main__":
    main()
