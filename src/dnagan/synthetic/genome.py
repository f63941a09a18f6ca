"""A seeded synthetic bacterial genome (simulated, not a real organism).

The genome imitates the statistics of a low-GC Gram-positive bacterium such as *Bacillus subtilis*
(GC ~43%): about 88% of it is protein-coding genes on both strands — ATG, codons drawn from a
biased codon-usage table, a stop codon — separated by short AT-rich intergenic regions that carry a
Shine-Dalgarno motif before each gene. Codon position 3 is AT-rich, which gives the period-3
composition signal of real coding DNA. Nothing in it is a real sequence.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

BASES = "ACGT"
STOP_CODONS = ("TAA", "TAG", "TGA")
STOP_WEIGHTS = (0.62, 0.14, 0.24)  # TAA dominates in low-GC bacteria
# GC content at codon positions 1, 2, 3 and in intergenic DNA (roughly B. subtilis).
POSITION_GC = (0.52, 0.37, 0.42)
INTERGENIC_GC = 0.34
SHINE_DALGARNO = "AGGAGG"
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def reverse_complement(sequence: str) -> str:
    """The reverse complement of an upper-case A/C/G/T sequence."""
    return sequence.translate(_COMPLEMENT)[::-1]


def _base_probabilities(gc: float) -> np.ndarray:
    return np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])  # A, C, G, T


def codon_usage(seed: int = 0) -> dict[str, float]:
    """A biased codon-usage table: frequency of each of the 61 sense codons (sums to 1).

    Each codon's weight is the product of position-specific base probabilities (``POSITION_GC``)
    times a seeded log-normal preference, so synonymous codons are used unevenly.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xC0D0]))
    per_position = [_base_probabilities(gc) for gc in POSITION_GC]
    weights: dict[str, float] = {}
    for codon in ("".join(bases) for bases in itertools.product(BASES, repeat=3)):
        if codon in STOP_CODONS:
            continue
        prior = np.prod([per_position[i][BASES.index(base)] for i, base in enumerate(codon)])
        weights[codon] = float(prior * rng.lognormal(0.0, 0.5))
    total = sum(weights.values())
    return {codon: weight / total for codon, weight in weights.items()}


def _random_bases(rng: np.random.Generator, length: int, gc: float) -> str:
    indices = rng.choice(4, size=length, p=_base_probabilities(gc))
    return "".join(np.array(list(BASES))[indices])


def _gene(rng: np.random.Generator, codons: np.ndarray, weights: np.ndarray, length: int) -> str:
    body = codons[rng.choice(len(codons), size=length, p=weights)]
    stop = STOP_CODONS[int(rng.choice(3, p=STOP_WEIGHTS))]
    return "ATG" + "".join(body) + stop


@functools.lru_cache(maxsize=4)
def synthetic_genome(length: int = 200_000, seed: int = 0) -> str:
    """A deterministic synthetic bacterial genome of exactly ``length`` bases (A/C/G/T only).

    Genes (mean ~900 bp) lie on both strands, separated by 40-300 bp AT-rich intergenic
    regions, each gene preceded by a Shine-Dalgarno motif. Same ``(length, seed)``, same genome.
    """
    if length < 1:
        raise ValueError(f"genome length must be positive, got {length}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6E0]))
    usage = codon_usage(seed)
    codons = np.array(list(usage))
    weights = np.array(list(usage.values()))
    parts: list[str] = []
    total = 0
    while total < length:
        spacer = _random_bases(rng, int(rng.integers(40, 300)), INTERGENIC_GC)
        gene = _gene(rng, codons, weights, int(rng.gamma(shape=3.0, scale=100.0)) + 50)
        if rng.uniform() < 0.5:  # minus strand: the motif sits upstream on that strand
            piece = spacer + reverse_complement(SHINE_DALGARNO + "ATTAAC" + gene)
        else:
            piece = spacer + SHINE_DALGARNO + "ATTAAC" + gene
        parts.append(piece)
        total += len(piece)
    return "".join(parts)[:length]


def gc_content(sequence: str) -> float:
    """Fraction of G and C in ``sequence`` (0 for an empty sequence)."""
    if not sequence:
        return 0.0
    return (sequence.count("G") + sequence.count("C")) / len(sequence)
