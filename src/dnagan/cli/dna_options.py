"""Command-line options shared by every command that reads DNA or builds an encoder.

Use the ``Annotated`` aliases as parameter types so that ``encode``, ``run``, ``generate`` and
``bench`` spell and document them identically::

    def command(
        dna: DnaPathOption = None,
        ambiguity: AmbiguityOption = "error",
        strict: StrictOption = False,
        group: GroupOption = 1,
        option: EncoderOptionsOption = None,
    ) -> None:
        records = load_records(dna, options=dna_options(ambiguity, strict, group))
        encoder_values = encoder_options(option)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dnagan.dna import AMBIGUITY_POLICIES, DnaOptions
from dnagan.errors import ConfigError
from dnagan.options import parse_key_values

DNA_PANEL = "DNA input"

DnaPathOption = Annotated[
    Path | None,
    typer.Option(
        "--dna",
        help="FASTA or FASTQ file, plain or gzip (format detected from content).",
        rich_help_panel=DNA_PANEL,
    ),
]
SequencesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sequence",
        help="A raw DNA sequence instead of a file (repeatable); ids are seq1, seq2, ...",
        rich_help_panel=DNA_PANEL,
    ),
]
AmbiguityOption = Annotated[
    str,
    typer.Option(
        "--ambiguity",
        help="IUPAC codes (N, R, Y, ...): error | skip (the record) | drop (those bases).",
        rich_help_panel=DNA_PANEL,
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Require valid coding DNA: length a multiple of 3, ATG start, TAA/TAG/TGA stop.",
        rich_help_panel=DNA_PANEL,
    ),
]
GroupOption = Annotated[
    int,
    typer.Option(
        "--group",
        help="Join every N consecutive reads into one sample (the paper: 128 reads -> 1 latent).",
        rich_help_panel=DNA_PANEL,
    ),
]
EncoderOptionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        help="Encoder option KEY=VALUE (repeatable), e.g. -o k=5 -o canonical=true.",
    ),
]


def dna_options(ambiguity: str, strict: bool, group: int) -> DnaOptions:
    """Validated :class:`DnaOptions` from the command-line values; bad values are ConfigError."""
    if ambiguity not in AMBIGUITY_POLICIES:
        valid = ", ".join(AMBIGUITY_POLICIES)
        raise ConfigError(f"--ambiguity: {ambiguity!r} is not one of: {valid}")
    if group < 1:
        raise ConfigError(f"--group must be at least 1, got {group}")
    return DnaOptions(ambiguity=ambiguity, strict=strict, group=group)  # type: ignore[arg-type]


def encoder_options(pairs: list[str] | None) -> dict[str, Any]:
    """``-o KEY=VALUE`` pairs as a dict of raw strings (the encoder coerces and validates them)."""
    return dict(parse_key_values(pairs or []))
