"""The embedded synthetic data: procedural landscapes, the synthetic genome and simulated reads."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from dnagan.dna import read_records
from dnagan.synthetic.genome import (
    STOP_CODONS,
    codon_usage,
    gc_content,
    reverse_complement,
    synthetic_genome,
)
from dnagan.synthetic.landscapes import render_landscapes
from dnagan.synthetic.reads import default_corpus, simulate_reads, write_fastq


@pytest.fixture(scope="module")
def landscapes() -> np.ndarray:
    return render_landscapes(12, 48, seed=3)


def test_landscapes_shape_and_type(landscapes: np.ndarray) -> None:
    assert landscapes.shape == (12, 48, 48, 3)
    assert landscapes.dtype == np.uint8


def test_landscapes_are_deterministic_and_index_stable(landscapes: np.ndarray) -> None:
    again = render_landscapes(12, 48, seed=3)
    assert again.tobytes() == landscapes.tobytes()
    np.testing.assert_array_equal(render_landscapes(5, 48, seed=3), landscapes[:5])
    assert not np.array_equal(render_landscapes(1, 48, seed=4)[0], landscapes[0])


def test_landscapes_keep_their_shapes_across_sizes() -> None:
    small = render_landscapes(4, 32, seed=1).astype(np.float64)
    large = render_landscapes(4, 128, seed=1).astype(np.float64)
    downsampled = large.reshape(4, 32, 4, 32, 4, 3).mean(axis=(2, 4))
    assert np.abs(downsampled - small).mean() < 12  # same scene, only finer detail


def test_landscapes_are_varied_and_plausible(landscapes: np.ndarray) -> None:
    means = landscapes.reshape(len(landscapes), -1).mean(axis=1)
    assert means.std() > 5  # different scenes, not one image repeated
    assert all(image.std() > 8 for image in landscapes)  # no flat images
    pairs = itertools.combinations(range(len(landscapes)), 2)
    assert all(not np.array_equal(landscapes[i], landscapes[j]) for i, j in pairs)
    # The sky (top rows) is on average brighter than the ground (bottom rows).
    assert landscapes[:, :8].mean() > landscapes[:, -8:].mean()


def test_landscapes_edge_cases() -> None:
    assert render_landscapes(0, 16).shape == (0, 16, 16, 3)
    assert render_landscapes(2, 1).shape == (2, 1, 1, 3)
    with pytest.raises(ValueError):
        render_landscapes(-1, 16)


def test_genome_composition() -> None:
    genome = synthetic_genome(200_000, seed=0)
    assert len(genome) == 200_000
    assert set(genome) == set("ACGT")
    assert 0.40 <= gc_content(genome) <= 0.46
    assert genome == synthetic_genome(200_000, seed=0)
    assert genome != synthetic_genome(200_000, seed=1)
    # Genes on both strands: start codons and their reverse complements are both common.
    assert genome.count("AGGAGGATTAACATG") > 30
    assert genome.count(reverse_complement("AGGAGGATTAACATG")) > 30


def test_codon_usage_is_biased() -> None:
    usage = codon_usage()
    assert len(usage) == 61 and not set(usage) & set(STOP_CODONS)
    assert sum(usage.values()) == pytest.approx(1.0)
    assert max(usage.values()) > 4 * min(usage.values())


def test_default_corpus() -> None:
    reads = default_corpus(count=64, read_length=100, seed=0)
    assert len(reads) == 64
    assert reads[0].id == "sim_read_000001" and reads[-1].id == "sim_read_000064"
    assert all(len(r.sequence) == 100 and set(r.sequence) <= set("ACGT") for r in reads)
    assert reads == default_corpus(count=64, read_length=100, seed=0)
    assert default_corpus(count=8, read_length=100, seed=0) == reads[:8]
    assert 0.36 <= gc_content("".join(r.sequence for r in reads)) <= 0.50


def test_reads_come_from_both_strands_with_few_errors() -> None:
    genome = synthetic_genome(20_000, seed=5)
    reads = simulate_reads(genome, 200, 50, seed=5)
    forward = sum(r.sequence in genome for r in reads)
    reverse = sum(reverse_complement(r.sequence) in genome for r in reads)
    assert forward > 60 and reverse > 60
    assert forward + reverse >= 180  # ~0.1% errors: at most a few reads carry one
    noisy = simulate_reads(genome, 50, 50, seed=5, error_rate=0.5)
    assert sum(r.sequence in genome or reverse_complement(r.sequence) in genome for r in noisy) < 5


def test_write_fastq_round_trips(tmp_path: Path) -> None:
    reads = default_corpus(count=10, read_length=80)
    target = tmp_path / "reads.fastq"
    write_fastq(reads, target)
    lines = target.read_text().splitlines()
    assert len(lines) == 40
    qualities = lines[3::4]
    assert all(len(q) == 80 and min(q) >= "#" and max(q) <= "J" for q in qualities)
    assert [tuple(r) for r in read_records(target)] == [tuple(r) for r in reads]
    write_fastq(reads, tmp_path / "again.fastq")
    assert (tmp_path / "again.fastq").read_bytes() == target.read_bytes()
