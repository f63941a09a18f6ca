"""Built-in encoders: conformance, equality with references (array_split, sklearn, sgt)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from dnagan_builtins.encoders._sgt_math import sgt_features
from dnagan_builtins.encoders.average import AverageEncoder, AverageOptions
from dnagan_builtins.encoders.kmer import KmerEncoder, KmerOptions
from dnagan_builtins.encoders.sgt import SgtEncoder, SgtOptions

from dnagan.dna import DnaOptions, read_records
from dnagan.errors import ConfigError, InputError
from dnagan.plugins import create_encoder
from dnagan.testing import check_encoder

SHARED_DNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dna"


def random_sequences(lengths: list[int], seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=n)) for n in lengths]


# --- conformance and options ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoder",
    [
        AverageEncoder(AverageOptions(windows=16)),
        KmerEncoder(),
        KmerEncoder(KmerOptions(k=3, canonical=True)),
        SgtEncoder(),
        SgtEncoder(SgtOptions(kappa=5.0, lengthsensitive=True)),
    ],
    ids=lambda e: f"{e.name}-{e.options}",
)
def test_conformance(encoder: object) -> None:
    check_encoder(encoder)


def test_default_dimensions() -> None:
    assert create_encoder("average").dim == 128
    assert create_encoder("kmer").dim == 256
    assert create_encoder("sgt").dim == 16
    assert create_encoder("kmer", {"k": "3", "canonical": "true"}).dim == 32
    assert create_encoder("kmer", {"k": "4", "canonical": "yes"}).dim == 136


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("average", {"windows": "0"}),
        ("kmer", {"k": "0"}),
        ("kmer", {"k": "9"}),
        ("kmer", {"q": "1"}),
        ("sgt", {"kappa": "0"}),
        ("sgt", {"kappa": "nan"}),
        ("sgt", {"lengthsensitive": "perhaps"}),
    ],
)
def test_bad_options(name: str, options: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=name):
        create_encoder(name, options)


# --- average -------------------------------------------------------------------------------------


def test_average_equals_array_split_reference() -> None:
    sequences = random_sequences([128, 129, 150, 255, 1000, 77], seed=1)
    encoder = AverageEncoder(AverageOptions(windows=77))
    values = {"A": 0.0, "C": 1.0, "G": 2.0, "T": 3.0}
    expected = np.array(
        [
            [w.mean() / 3 for w in np.array_split(np.array([values[c] for c in s]), 77)]
            for s in sequences
        ],
        dtype=np.float32,
    )
    assert np.array_equal(encoder.encode(sequences), expected)


def test_average_homopolymers_span_zero_to_one() -> None:
    out = AverageEncoder().encode([base * 200 for base in "ACGT"])
    assert np.allclose(out, np.array([0, 1 / 3, 2 / 3, 1], dtype=np.float32)[:, None])


def test_average_short_sequence_names_sample() -> None:
    with pytest.raises(InputError, match="sample 2 has length 72, shorter than windows=128"):
        AverageEncoder().encode(random_sequences([200, 72]))


# --- k-mer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_kmer_counts_equal_count_vectorizer(k: int) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    sequences = random_sequences([k, k + 1, 50, 150, 333], seed=k)
    encoder = KmerEncoder(KmerOptions(k=k))
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False)
    reference = vectorizer.fit_transform(sequences).toarray()
    columns = [encoder.feature_names().index(name) for name in vectorizer.get_feature_names_out()]
    ours = encoder.counts(sequences)
    assert np.array_equal(ours[:, columns], reference)
    assert ours.sum() == reference.sum()  # nothing counted outside the vocabulary
    frequencies = encoder.encode(sequences)
    assert np.allclose(frequencies.sum(axis=1), 1.0)


def test_kmer_feature_order_is_lexicographic() -> None:
    names = KmerEncoder(KmerOptions(k=2)).feature_names()
    assert names == sorted(names) and names[:3] == ["AA", "AC", "AG"] and names[-1] == "TT"


def test_kmer_canonical_merges_reverse_complements() -> None:
    sequences = random_sequences([60, 200, 31], seed=3)
    plain = KmerEncoder(KmerOptions(k=3))
    canonical = KmerEncoder(KmerOptions(k=3, canonical=True))
    names = canonical.feature_names()
    assert len(names) == 32 and names == sorted(names)
    complement = str.maketrans("ACGT", "TGCA")
    plain_counts = plain.counts(sequences)
    merged = canonical.counts(sequences)
    plain_names = plain.feature_names()
    for column, name in enumerate(names):
        reverse = name.translate(complement)[::-1]
        expected = plain_counts[:, plain_names.index(name)]
        if reverse != name:
            expected = expected + plain_counts[:, plain_names.index(reverse)]
        assert np.array_equal(merged[:, column], expected), name


def test_kmer_large_k_chunks_match_single_sequences() -> None:
    sequences = random_sequences([30 + i for i in range(150)], seed=5)
    encoder = KmerEncoder(KmerOptions(k=8))
    together = encoder.counts(sequences)
    assert np.array_equal(together[137], encoder.counts([sequences[137]])[0])
    assert (together.sum(axis=1) == np.array([len(s) - 7 for s in sequences])).all()


def test_kmer_sequence_shorter_than_k() -> None:
    with pytest.raises(InputError, match="sample 1 has length 3, shorter than k=4"):
        KmerEncoder().encode(["ACG"])


# --- SGT -----------------------------------------------------------------------------------------


def reference_sgt(sequences: list[str], kappa: float, lengthsensitive: bool) -> np.ndarray:
    pandas = pytest.importorskip("pandas")
    sgt = pytest.importorskip("sgt")
    model = sgt.SGT(kappa=kappa, lengthsensitive=lengthsensitive, alphabets=list("ACGT"))
    corpus = pandas.DataFrame(
        {"id": range(len(sequences)), "sequence": [list(s) for s in sequences]}
    )
    return model.fit_transform(corpus).iloc[:, 1:].to_numpy(dtype=np.float64)


def assert_relative(ours: np.ndarray, reference: np.ndarray, tolerance: float = 1e-9) -> None:
    both_zero = (ours == 0) & (reference == 0)
    relative = np.abs(ours - reference) / np.maximum(np.abs(reference), 1e-300)
    relative[both_zero] = 0
    assert relative.max() <= tolerance, relative.max()


@pytest.mark.parametrize("kappa", [0.5, 1.0, 5.0, 10.0])
@pytest.mark.parametrize("lengthsensitive", [False, True])
def test_sgt_equals_reference(kappa: float, lengthsensitive: bool) -> None:
    sequences = random_sequences([1, 2, 3, 17, 150, 420], seed=int(kappa * 10))
    sequences += ["A" * 40, "ACGT" * 30, "C" + "T" * 60]
    ours = sgt_features(sequences, kappa, lengthsensitive)
    reference = reference_sgt(sequences, kappa, lengthsensitive)
    assert_relative(ours, reference)
    encoded = SgtEncoder(SgtOptions(kappa, lengthsensitive)).encode(sequences)
    assert np.allclose(encoded, reference.astype(np.float32), rtol=1e-6, atol=0)


def test_sgt_long_blocks_and_large_kappa() -> None:
    """Sequences longer than one block (several blocks and groups) still match the reference."""
    sequences = random_sequences([1300, 700], seed=9)
    for kappa in (0.3, 60.0):
        assert_relative(
            sgt_features(sequences, kappa, False), reference_sgt(sequences, kappa, False)
        )


@pytest.mark.parametrize("lengthsensitive", [False, True])
def test_sgt_empty_sequence_is_all_zero(lengthsensitive: bool) -> None:
    """No pairs, no features: zeros (not 0/0 = NaN when dividing by the length)."""
    with np.errstate(all="raise"):
        features = sgt_features(["", "ACGT"], 1.0, lengthsensitive)
    assert np.array_equal(features[0], np.zeros(16))


def test_sgt_feature_names_follow_reference_order() -> None:
    names = SgtEncoder.feature_names()
    assert names[:5] == ["AA", "AC", "AG", "AT", "CA"] and len(names) == 16


@pytest.mark.skipif(not SHARED_DNA.is_dir(), reason="shared DNA data not present")
def test_sgt_equals_reference_on_real_reads() -> None:
    path = SHARED_DNA / "miseq_ERR1163317_251bp.fastq.gz"
    reads = [r.sequence for r in islice(read_records(path, DnaOptions()), 12)]
    assert_relative(sgt_features(reads, 1.0, False), reference_sgt(reads, 1.0, False))


def test_sgt_independent_of_grouping_and_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    from dnagan_builtins.encoders import _sgt_math

    sequences = random_sequences([5, 300, 40, 41, 299, 1, 120], seed=11)
    expected = sgt_features(sequences, 1.0, True)
    monkeypatch.setattr(_sgt_math, "_GROUP_POSITIONS", 350)
    monkeypatch.setattr(_sgt_math, "_BLOCK_CELLS", 64)
    assert len(_sgt_math._groups(np.array([len(s) for s in sequences]))) > 2
    assert_relative(sgt_features(sequences, 1.0, True), expected, 1e-12)
