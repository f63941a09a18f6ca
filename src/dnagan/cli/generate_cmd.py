"""``dnagan generate``: DNA -> one 224x224 landscape PNG per sample, with a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dnagan.cli.app import app
from dnagan.cli.dna_options import (
    AmbiguityOption,
    DnaPathOption,
    GroupOption,
    SequencesOption,
    StrictOption,
    dna_options,
)
from dnagan.cli.shared_options import DeviceOption
from dnagan.dna import load_records
from dnagan.errors import OutputError


@app.command("generate")
def generate_command(
    run_dir: Annotated[
        Path, typer.Argument(metavar="RUN_DIR", help="A finished run folder (from dnagan run).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PNGs.")],
    dna: DnaPathOption = None,
    sequence: SequencesOption = None,
    ambiguity: AmbiguityOption = "error",
    strict: StrictOption = False,
    group: GroupOption = 1,
    device: DeviceOption = None,
) -> None:
    """Write one PNG per DNA sample, named by record id (seq1, seq2, ... for --sequence).

    Deterministic: the same sequence and the same model give a bit-identical PNG.

    Examples:

        dnagan generate runs/00000-average-quick --dna reads.fastq --out images/

        dnagan generate runs/00000-average-quick --sequence ACGTTGCA --out images/
    """
    from dnagan.generation import load_model, sample_names, write_samples

    records = load_records(dna, sequences=list(sequence or []), options=dna_options(
        ambiguity, strict, group))
    model = load_model(run_dir, device=device or "cpu")
    names = sample_names(records)
    existing = [n for n in names if (out / f"{n}.png").exists()]
    if existing:
        raise OutputError(f"{out / existing[0]}.png: exists (images are never overwritten)")
    paths = write_samples(model, records, out, names)
    typer.echo(f"wrote {len(paths)} images")
    typer.echo(str(out))
