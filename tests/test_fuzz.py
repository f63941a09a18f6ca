"""Fuzzing: arbitrary input gives samples or the project's own clean error, never anything else.

Each target is a strategy and a check. The check feeds one generated input to a DNA reader,
validator, option parser or built-in encoder and accepts exactly two outcomes: a valid result
(upper-case A/C/G/T records; finite float32 ``(n, dim)`` features; a config) or a
:class:`dnagan.errors.DnaganError` whose message is one line and quotes no sequence. CI runs
``DNAGAN_FUZZ_EXAMPLES`` examples per target (default 200); ``benchmarks/fuzz_long.py`` runs the
same targets with many more.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dnagan.dna import DnaOptions, read_records, records_from_strings
from dnagan.dna_validate import SequenceValidator
from dnagan.errors import DnaganError

EXAMPLES = int(os.environ.get("DNAGAN_FUZZ_EXAMPLES", "200"))
_VALID = re.compile(r"[ACGT]+")
_SCRATCH = Path(tempfile.mkdtemp(prefix="dnagan-fuzz-"))

# --- strategies --------------------------------------------------------------------------------

dna_text = st.text(alphabet="ACGTacgtNnRYUu -\t", min_size=0, max_size=300)
header = st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=40)


@st.composite
def fastq_like(draw: Any) -> bytes:
    """Text that is mostly FASTQ, with random damage: dropped, duplicated or mangled lines."""
    records = draw(st.lists(st.tuples(header, dna_text), min_size=0, max_size=6))
    lines: list[str] = []
    for title, sequence in records:
        quality = "I" * draw(st.sampled_from([len(sequence), max(0, len(sequence) - 1),
                                               len(sequence) + 2]))
        lines += ["@" + title, sequence, draw(st.sampled_from(["+", "+" + title, "", "-"])),
                  quality]
    if lines and draw(st.booleans()):
        index = draw(st.integers(0, len(lines) - 1))
        lines.pop(index) if draw(st.booleans()) else lines.insert(index, lines[index])
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines).encode("utf-8", "surrogatepass") + draw(
        st.sampled_from([b"", b"\n"]))


@st.composite
def fasta_like(draw: Any) -> bytes:
    """Text that is mostly FASTA: headers, wrapped sequence lines, blanks and stray characters."""
    parts = draw(st.lists(st.one_of(
        header.map(lambda h: ">" + h),
        dna_text,
        st.sampled_from(["", ">", ";comment", "@", "+"]),
    ), max_size=12))
    return "\n".join(parts).encode("utf-8", "surrogatepass")


file_bytes = st.one_of(
    st.binary(max_size=400),
    fastq_like(),
    fasta_like(),
    fastq_like().map(gzip.compress),
    fasta_like().map(lambda data: gzip.compress(data)[: max(2, len(data) // 2)]),
)
options = st.builds(
    DnaOptions,
    ambiguity=st.sampled_from(["error", "skip", "drop"]),
    strict=st.booleans(),
    group=st.integers(1, 3),
)
valid_sequences = st.lists(st.text(alphabet="ACGT", min_size=1, max_size=400), min_size=1,
                           max_size=5)

# --- checks ------------------------------------------------------------------------------------


def _clean(error: DnaganError, texts: list[str]) -> None:
    message = str(error)
    assert message and "\n" not in message.strip(), f"multi-line message: {message!r}"
    for text in texts:
        long_runs = re.findall(r"[ACGTacgt]{20,}", text)
        for run in long_runs:
            assert run[:20] not in message, f"message quotes the input: {message!r}"


def check_read_file(data: bytes, dna_options: DnaOptions) -> None:
    """A file of arbitrary bytes gives valid records or a DnaganError."""
    path = _SCRATCH / "input"
    path.write_bytes(data)
    try:
        records = list(read_records(path, dna_options))
    except DnaganError as error:
        _clean(error, [data.decode("utf-8", "replace")])
        return
    for record in records:
        assert isinstance(record.id, str)
        assert _VALID.fullmatch(record.sequence), "a record with a non-ACGT sequence"


def check_strings(sequences: list[str], dna_options: DnaOptions) -> None:
    """Arbitrary strings as --sequence values give valid records or a DnaganError."""
    try:
        records = records_from_strings(sequences, dna_options)
    except DnaganError as error:
        _clean(error, sequences)
        return
    assert all(_VALID.fullmatch(r.sequence) for r in records)


def check_validator(raw: str, ambiguity: str, strict: bool) -> None:
    """The validator returns an upper-case ACGT string, None (skipped) or raises InputError."""
    validator = SequenceValidator("fuzz", ambiguity, strict)  # type: ignore[arg-type]
    try:
        result = validator.check("r", 1, raw)
    except DnaganError as error:
        _clean(error, [raw])
        return
    assert result is None or _VALID.fullmatch(result)


ENCODER_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("average", {}), ("average", {"windows": 3}), ("kmer", {}), ("kmer", {"k": 1}),
    ("kmer", {"k": 3, "canonical": True}), ("sgt", {}), ("sgt", {"kappa": 5}),
]


def check_encoder(index: int, sequences: list[str]) -> None:
    """A built-in encoder gives finite float32 (n, dim) features or a DnaganError."""
    from dnagan.encoders import encode_checked
    from dnagan.plugins import create_encoder

    name, values = ENCODER_CONFIGS[index]
    encoder = create_encoder(name, values)
    try:
        encoder.fit(sequences)
        features = encode_checked(encoder, sequences, name)
    except DnaganError as error:
        _clean(error, sequences)
        return
    assert features.dtype == np.float32 and features.shape == (len(sequences), encoder.dim)
    assert np.isfinite(features).all()


def check_overrides(pairs: list[str]) -> None:
    """``--set`` overrides give a valid TrainConfig or a ConfigError."""
    from dnagan.training.config import apply_overrides
    from dnagan.training.presets import get_preset

    try:
        config = apply_overrides(get_preset("smoke"), pairs)
    except DnaganError as error:
        _clean(error, [])
        return
    assert config.stage1.steps > 0 and config.stage2.batch_size > 0


def check_toml(text: str) -> None:
    """A TOML config file of arbitrary text gives a valid TrainConfig or a ConfigError."""
    from dnagan.training.config import load_toml
    from dnagan.training.presets import get_preset

    path = _SCRATCH / "config.toml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_toml(path, get_preset("smoke"))
    except DnaganError as error:
        _clean(error, [])


_KEYS = ["seed", "stage1.steps", "stage2.batch_size", "latent_dim", "loss", "evaluators",
         "network.variant", "ema_decay", "bogus", "stage1.bogus", "encoder_options.k",
         "holdout_fraction", "images"]
# A bare table name ("stage1", "network") as an override key: see also
# test_override_of_a_whole_table_then_a_field.
_keys = st.sampled_from([*_KEYS, "stage1", "network"])
_toml_keys = st.sampled_from([*_KEYS, "stage1", "network"])
_values = st.one_of(st.integers(-5, 10**6).map(str), st.floats(allow_nan=True).map(str),
                    st.sampled_from(["true", "[1,2]", '["fid"]', '"x"', "", "none", "{a=1}",
                                     "1e400", "nan", "inf"]),
                    st.text(max_size=10))
_toml_lines = st.lists(
    st.one_of(st.tuples(_toml_keys, _values).map(lambda kv: f"{kv[0]} = {kv[1]}"),
              st.sampled_from(["[stage1]", "[stage2]", "[network]", "[bogus]", "x ="]),
              st.text(max_size=20)),
    max_size=6,
).map("\n".join)

#: name -> (strategy of argument tuples, check)
TARGETS: dict[str, tuple[Any, Callable[..., None]]] = {
    "read_file": (st.tuples(file_bytes, options), check_read_file),
    "strings": (st.tuples(st.lists(dna_text, min_size=1, max_size=4), options), check_strings),
    "validator": (st.tuples(st.text(max_size=200), st.sampled_from(["error", "skip", "drop"]),
                            st.booleans()), check_validator),
    "encoders": (st.tuples(st.integers(0, len(ENCODER_CONFIGS) - 1), valid_sequences),
                 check_encoder),
    "overrides": (st.tuples(st.lists(st.tuples(_keys, _values).map("=".join), max_size=4)),
                  check_overrides),
    "toml": (st.tuples(_toml_lines), check_toml),
}


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings of a fuzz run: no deadline (the machine is shared), no DB."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


def fuzz(name: str, examples: int, on_example: Callable[[], None] | None = None) -> None:
    """Run target ``name`` for ``examples`` examples (call ``on_example`` for each)."""
    strategy, check = TARGETS[name]

    @fuzz_settings(examples)
    @given(strategy)
    def run(arguments: tuple[Any, ...]) -> None:
        if on_example is not None:
            on_example()
        check(*arguments)

    run()


@pytest.mark.parametrize("pairs", [["stage1=0", "stage1.steps=1"], ["network=1", "network.x=1"]])
def test_override_of_a_whole_table_then_a_field(pairs: list[str]) -> None:
    check_overrides(pairs)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz(target: str) -> None:
    fuzz(target, EXAMPLES)
