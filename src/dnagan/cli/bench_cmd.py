"""``dnagan bench``: compare encoders on equal terms and write a report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dnagan.bench.aggregate import TABLE_COLUMNS, format_value
from dnagan.cli.app import app
from dnagan.cli.dna_options import (
    AmbiguityOption,
    DnaPathOption,
    GroupOption,
    StrictOption,
    dna_options,
)
from dnagan.cli.run_cmd import resolve_config
from dnagan.cli.shared_options import (
    ConfigFileOption,
    DeviceOption,
    ImagesOption,
    OverridesOption,
    PresetOption,
)
from dnagan.errors import ConfigError
from dnagan.options import options_to_dict
from dnagan.plugins import get_plugins

if TYPE_CHECKING:
    from dnagan.bench.runner import BenchJob
    from dnagan.training.config import TrainConfig


def _encoder_list(value: str | None) -> list[str]:
    names = get_plugins().encoders.names() if value is None else [
        name.strip() for name in value.split(",") if name.strip()
    ]
    if not names:
        raise ConfigError("--encoders names no encoder")
    if len(set(names)) != len(names):
        raise ConfigError(f"--encoders lists an encoder twice: {value}")
    return names


def _print_table(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="dnagan bench")
    table.add_column("encoder")
    for _, title, _ in TABLE_COLUMNS:
        table.add_column(title, justify="right")
    for row in rows:
        cells = [format_value(row, key, decimals) for key, _, decimals in TABLE_COLUMNS]
        table.add_row(str(row["encoder"]), *cells)
    console.print(table)


@app.command("bench")
def bench_command(
    out: Annotated[Path, typer.Option("--out", help="Bench folder (new, or one to resume).")],
    encoders: Annotated[
        str | None,
        typer.Option("--encoders", help="Comma-separated encoders (default: every registered)."),
    ] = None,
    images: ImagesOption = None,
    dna: DnaPathOption = None,
    preset: PresetOption = "quick",
    config_file: ConfigFileOption = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Models per encoder (seeds).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="First seed.")] = 0,
    device: DeviceOption = None,
    ambiguity: AmbiguityOption = "error",
    strict: StrictOption = False,
    group: GroupOption = 1,
    evaluators: Annotated[
        str | None,
        typer.Option("--evaluators", help="Comma-separated evaluators (default: all registered)."),
    ] = None,
    overrides: OverridesOption = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            help="Runs trained at once, each in its own process with an equal share of the CPU "
            "threads (0: one per core on CPU, one on a GPU).",
        ),
    ] = 0,
) -> None:
    """Train one model per encoder on identical data, seeds, preset and budget; report metrics.

    Writes report.md, results.json, fid.png and grids/ into --out. Re-running the same command
    on the same folder resumes an interrupted bench.

    Examples:

        dnagan bench --preset smoke --out bench-smoke

        dnagan bench --encoders average,kmer,sgt --images photos/ --dna reads.fastq.gz --out bench
    """
    from dnagan.bench.parallel import default_workers
    from dnagan.bench.report import REPORT_FILE, write_report
    from dnagan.bench.runner import run_bench
    from dnagan.training.loop import train
    from dnagan.training.progress import RichReporter
    from dnagan.training.signals import Interrupted

    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {seeds}")
    if jobs < 0:
        raise ConfigError(f"--jobs must be 0 (automatic) or more, got {jobs}")
    names = _encoder_list(encoders)
    fields: dict[str, object] = {
        "images": str(images) if images is not None else None,
        "dna": str(dna) if dna is not None else None,
        "dna_options": options_to_dict(dna_options(ambiguity, strict, group)) if dna else None,
        "seed": seed,
        "device": device,
    }
    base = resolve_config(preset, config_file, fields, list(overrides or []))
    console = Console(stderr=True)

    def announce(job: BenchJob, index: int, total: int) -> None:
        console.print(f"bench {index + 1}/{total}: encoder {job.encoder}, seed {job.seed}")

    def train_job(config: TrainConfig, run_dir: Path, resume: bool) -> dict[str, Any]:
        return train(config, run_dir, resume=resume, reporter=RichReporter(console))

    chosen = None if evaluators is None else [e.strip() for e in evaluators.split(",") if e.strip()]
    workers = jobs or default_workers(len(names) * seeds, base.device)
    try:
        summaries = run_bench(
            base, names, seeds, out, train_job, on_job=announce, evaluators=chosen,
            workers=workers, emit=lambda line: console.print(line, markup=False, highlight=False),
        )
    except Interrupted as stop:
        typer.echo(
            "bench interrupted: finished runs and checkpoints are kept; "
            "run the same command again to resume", err=True,
        )
        raise typer.Exit(stop.exit_code) from None
    rows = write_report(out, summaries, {"preset": base.preset, "seeds": seeds, "first_seed": seed})
    _print_table(rows, Console())
    typer.echo(str(out / REPORT_FILE))
