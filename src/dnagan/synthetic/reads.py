"""Simulated Illumina-like reads from the synthetic genome: the embedded default DNA corpus.

The reads are simulated, not sequenced: fixed-length fragments of :func:`synthetic_genome` at
random positions on both strands, with ~0.1% substitution errors. :func:`write_fastq` saves them
with plausible (simulated) Phred qualities, so the corpus can be fed back through ``--dna``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from dnagan.atomic import write_text
from dnagan.dna import Record
from dnagan.synthetic.genome import BASES, reverse_complement, synthetic_genome

GENOME_LENGTH = 200_000
ERROR_RATE = 0.001


def _with_errors(rng: np.random.Generator, read: str, rate: float) -> str:
    """Substitute each base with probability ``rate`` by one of the three other bases."""
    hits = np.flatnonzero(rng.uniform(size=len(read)) < rate)
    if hits.size == 0:
        return read
    codes = np.frombuffer(read.encode("ascii"), dtype=np.uint8).copy()
    lookup = np.frombuffer(BASES.encode("ascii"), dtype=np.uint8)
    current = np.searchsorted(lookup, codes[hits])
    codes[hits] = lookup[(current + rng.integers(1, 4, size=hits.size)) % 4]
    return codes.tobytes().decode("ascii")


def simulate_reads(
    genome: str,
    count: int,
    read_length: int,
    seed: int = 0,
    error_rate: float = ERROR_RATE,
) -> list[Record]:
    """``count`` reads of ``read_length`` bases from random positions and strands of ``genome``.

    Ids are ``sim_read_000001``, ``sim_read_000002``, ...; read ``i`` depends only on ``seed``
    and ``i`` (the first ``k`` reads are the same for any ``count >= k``).
    """
    if count < 0 or not 1 <= read_length <= len(genome):
        raise ValueError(f"need count >= 0 and 1 <= read_length <= {len(genome)}")
    records = []
    for number in range(1, count + 1):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EAD, number]))
        start = int(rng.integers(0, len(genome) - read_length + 1))
        read = genome[start : start + read_length]
        if rng.uniform() < 0.5:
            read = reverse_complement(read)
        records.append(Record(f"sim_read_{number:06d}", _with_errors(rng, read, error_rate)))
    return records


def default_corpus(count: int = 512, read_length: int = 150, seed: int = 0) -> list[Record]:
    """The embedded default DNA corpus: ``count`` simulated reads of a seeded synthetic genome.

    Synthetic data (see ``docs/data.md``): 200 kb genome with bacterial base composition (GC ~43%)
    and codon structure, Illumina-like reads on both strands with 0.1% substitution errors.
    """
    return simulate_reads(synthetic_genome(GENOME_LENGTH, seed), count, read_length, seed)


def simulated_qualities(rng: np.random.Generator, length: int) -> str:
    """Phred+33 qualities like an Illumina read: high (~Q37) at the start, decaying to ~Q30."""
    position = np.arange(length) / max(length - 1, 1)
    mean = 37.0 - 7.0 * position**2
    scores = np.clip(np.rint(mean + rng.normal(0.0, 2.0, length)), 2, 41).astype(np.uint8)
    return (scores + 33).tobytes().decode("ascii")


def write_fastq(records: Sequence[Record], path: str | os.PathLike[str]) -> None:
    """Write ``records`` as a FASTQ file, atomically, with simulated Phred+33 qualities.

    The qualities are deterministic (the same records always give the same file).
    """
    rng = np.random.default_rng(0xFA57)
    lines = []
    for record in records:
        lines.append(f"@{record.id}\n{record.sequence}\n+\n")
        lines.append(simulated_qualities(rng, len(record.sequence)) + "\n")
    write_text(path, "".join(lines))
