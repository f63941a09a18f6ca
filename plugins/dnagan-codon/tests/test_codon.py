"""Tests of the codon encoder: hand-checked values, Biopython agreement, the dnagan contract."""

from __future__ import annotations

import random
from collections import Counter

import dnagan_codon
import numpy as np
import pytest
from Bio.Seq import Seq
from dnagan_codon import AMINO_ACIDS, CODONS, CodonEncoder

from dnagan import ConfigError, Encoder
from dnagan.plugins import create_encoder
from dnagan.testing import check_encoder, isolated_plugins


def encoder(**options: str) -> Encoder:
    return CodonEncoder.from_config(options)


def as_dict(row: np.ndarray, names: list[str]) -> dict[str, float]:
    return {name: float(value) for name, value in zip(names, row, strict=True) if value}


def test_first_frame_codons() -> None:
    row = encoder(frames="1").encode(["ATGGCCTAA"])[0]
    assert as_dict(row, list(CODONS)) == pytest.approx({"ATG": 1 / 3, "GCC": 1 / 3, "TAA": 1 / 3})


def test_first_frame_amino_acids() -> None:
    enc = encoder(mode="amino", frames="1")
    row = enc.encode(["ATGGCCTAAG"])[0]  # the trailing G is not a whole codon
    assert as_dict(row, enc.feature_names()) == pytest.approx({"M": 1 / 3, "A": 1 / 3, "*": 1 / 3})


def test_three_frames_count_every_triplet() -> None:
    row = encoder(mode="amino").encode(["ATGGCCTAA"])[0]
    # ATG TGG GGC GCC CCT CTA TAA
    expected = {aa: 1 / 7 for aa in "MWGAPL*"}
    assert as_dict(row, list(AMINO_ACIDS)) == pytest.approx(expected)


def test_six_frames_add_the_reverse_complement() -> None:
    row = encoder(frames="6").encode(["ATGGCCTAA"])[0]
    # forward: ATG TGG GGC GCC CCT CTA TAA
    # reverse complement TTAGGCCAT: TTA TAG AGG GGC GCC CCA CAT
    assert row[CODONS.index("GGC")] == pytest.approx(2 / 14)
    assert row[CODONS.index("TTA")] == pytest.approx(1 / 14)
    assert row.sum() == pytest.approx(1.0)


def test_six_frames_are_strand_symmetric() -> None:
    sequence = "ATGCGTACGTTAGCATGCAAGT"
    reverse = str(Seq(sequence).reverse_complement())
    rows = encoder(frames="6", mode="amino").encode([sequence, reverse])
    np.testing.assert_array_equal(rows[0], rows[1])


def test_amino_acids_agree_with_biopython_translation() -> None:
    rng = random.Random(7)
    sequences = ["".join(rng.choice("ACGT") for _ in range(rng.randint(3, 200))) for _ in range(50)]
    rows = encoder(mode="amino", frames="1").encode(sequences)
    for sequence, row in zip(sequences, rows, strict=True):
        protein = str(Seq(sequence[: len(sequence) // 3 * 3]).translate())
        counts = Counter(protein)
        expected = np.array([counts[aa] for aa in AMINO_ACIDS]) / len(protein)
        np.testing.assert_allclose(row, expected, rtol=1e-6)


def test_sequences_shorter_than_a_codon_give_zeros() -> None:
    rows = encoder().encode(["A", "AC"])
    assert rows.shape == (2, 64)
    assert not rows.any()


def test_symbols_other_than_acgt_are_rejected_without_showing_the_sequence() -> None:
    with pytest.raises(ValueError, match="position 3") as caught:
        encoder().encode(["ACNGT"])
    assert "ACNGT" not in str(caught.value)


@pytest.mark.parametrize("mode, dim", [("codons", 64), ("amino", 21)])
@pytest.mark.parametrize("frames", ["1", "3", "6"])
def test_conforms_to_the_encoder_contract(mode: str, dim: int, frames: str) -> None:
    enc = encoder(mode=mode, frames=frames)
    assert enc.dim == dim
    check_encoder(enc)


def test_invalid_options_list_the_valid_choices() -> None:
    with pytest.raises(ConfigError, match="1, 3, 6"):
        encoder(frames="2")
    with pytest.raises(ConfigError, match="codons, amino"):
        encoder(mode="protein")


def test_registers_through_the_hook() -> None:
    with isolated_plugins(dnagan_codon) as loaded:
        assert loaded.encoders.get("codon").item is CodonEncoder
        assert create_encoder("codon", {"mode": "amino"}).dim == 21


def test_three_frames_agree_with_counting_every_triplet() -> None:
    rng = random.Random(3)
    sequences = ["".join(rng.choice("ACGT") for _ in range(rng.randint(0, 90))) for _ in range(40)]
    rows = encoder().encode(sequences)
    for sequence, row in zip(sequences, rows, strict=True):
        counts = Counter(sequence[i : i + 3] for i in range(len(sequence) - 2))
        total = max(sum(counts.values()), 1)
        np.testing.assert_allclose(row, [counts[c] / total for c in CODONS], rtol=1e-6)


def test_an_empty_batch_gives_an_empty_matrix() -> None:
    assert encoder(mode="amino").encode([]).shape == (0, 21)


def test_errors_name_the_sequence_and_position() -> None:
    with pytest.raises(ValueError, match="sequence 3: unexpected symbol at position 1"):
        encoder().encode(["ACGT", "", "XACG"])
