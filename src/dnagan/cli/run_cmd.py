"""``dnagan run``: train the two-stage GAN on images + DNA, write samples, evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dnagan.cli.app import app
from dnagan.cli.dna_options import (
    AmbiguityOption,
    DnaPathOption,
    EncoderOptionsOption,
    GroupOption,
    StrictOption,
    dna_options,
    encoder_options,
)
from dnagan.errors import ConfigError
from dnagan.options import options_to_dict
from dnagan.plugins import get_plugins
from dnagan.training.config import TrainConfig, apply_overrides, load_toml, merge
from dnagan.training.presets import DEFAULT_PRESET, get_preset

TRAIN_PANEL = "Training overrides"


def resolve_config(
    preset: str,
    config_file: Path | None,
    fields: dict[str, object],
    overrides: list[str],
) -> TrainConfig:
    """Preset, then the TOML file, then dedicated flags, then ``--set`` overrides."""
    config = get_preset(preset)
    if config_file is not None:
        config = load_toml(config_file, config)
    flat = {k: v for k, v in fields.items() if v is not None and "." not in k}
    nested: dict[str, dict[str, object]] = {}
    for key, value in fields.items():
        if value is not None and "." in key:
            head, _, rest = key.partition(".")
            nested.setdefault(head, {})[rest] = value
    config = merge(config, {**flat, **nested}, where="command line")
    return apply_overrides(config, overrides)


def forwarded_args(
    values: dict[str, object], overrides: list[str], options: list[str]
) -> list[str]:
    """``dnagan run`` arguments that reproduce ``values`` (for the torchrun children of --nproc)."""
    args: list[str] = []
    for flag, value in values.items():
        if value is None or value is False:
            continue
        args += [flag] if value is True else [flag, str(value)]
    for pair in options:
        args += ["--option", pair]
    for pair in overrides:
        args += ["--set", pair]
    return args


def check_names(config: TrainConfig) -> None:
    """Fail early (before a run folder exists) on unknown plugin names, bad encoder options or
    bad generator settings (validated by building the networks on the meta device)."""
    from dnagan.training.networks import check_settings

    plugins = get_plugins()
    plugins.encoders.get(config.encoder).item.from_config(config.encoder_options)
    plugins.generators.get(config.generator)
    for name in [*config.evaluators, *config.stage1_evaluators]:
        plugins.evaluators.get(name)
    check_settings(config)


@app.command("run")
def run_command(
    encoder: Annotated[str | None, typer.Option("--encoder", "-e", help="Encoder name.")] = None,
    images: Annotated[
        str | None, typer.Option("--images", help="Image folder or zip (default: embedded).")
    ] = None,
    dna: DnaPathOption = None,
    preset: Annotated[str, typer.Option("--preset", help="paper|quick|smoke.")] = DEFAULT_PRESET,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="TOML file overriding the preset.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run folder (must not exist or be empty).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", help="Continue the run in this folder from its latest "
                     "checkpoint; a run stopped before its first checkpoint (only config.json "
                     "kept) starts afresh from its config.json."),
    ] = None,
    device: Annotated[str | None, typer.Option("--device", help="cpu | cuda | auto.")] = None,
    nproc: Annotated[
        int, typer.Option("--nproc", min=1,
                          help="Processes (GPUs) to train on: launches torchrun (DDP).")
    ] = 1,
    option: EncoderOptionsOption = None,
    ambiguity: AmbiguityOption = "error",
    strict: StrictOption = False,
    group: GroupOption = 1,
    steps1: Annotated[
        int | None, typer.Option("--steps1", help="Stage-1 steps.", rich_help_panel=TRAIN_PANEL)
    ] = None,
    steps2: Annotated[
        int | None, typer.Option("--steps2", help="Stage-2 steps.", rich_help_panel=TRAIN_PANEL)
    ] = None,
    epochs1: Annotated[
        int | None, typer.Option("--epochs1", help="Stage-1 epochs.", rich_help_panel=TRAIN_PANEL)
    ] = None,
    epochs2: Annotated[
        int | None, typer.Option("--epochs2", help="Stage-2 epochs.", rich_help_panel=TRAIN_PANEL)
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Batch size (both stages).", rich_help_panel=TRAIN_PANEL),
    ] = None,
    evaluators: Annotated[
        str | None,
        typer.Option("--evaluators", help="Comma-separated evaluators, or 'none'.",
                     rich_help_panel=TRAIN_PANEL),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Any config field, e.g. --set stage1.steps=200 (repeatable).",
                     rich_help_panel=TRAIN_PANEL),
    ] = None,
) -> None:
    """Train on images + DNA (embedded synthetic data by default); print the run folder last.

    Examples:

        dnagan run --encoder average

        dnagan run --encoder kmer --preset smoke

        dnagan run --encoder average --images photos/ --dna reads.fastq.gz --set stage1.steps=3000

        dnagan run --encoder average --nproc 2   (= torchrun --nproc_per_node 2 -m dnagan run ...)
    """
    from dnagan.training import distributed as ddp
    from dnagan.training.loop import SilentReporter, prepare_run, train
    from dnagan.training.progress import RichReporter
    from dnagan.training.run_folder import (
        check_out,
        next_run_dir,
        prepare_out,
        remove_partial,
        unstarted_config,
    )
    from dnagan.training.signals import Interrupted

    if nproc > 1 and not ddp.launched():
        flags: dict[str, object] = {
            "--encoder": encoder, "--images": images, "--dna": dna, "--preset": preset,
            "--config": config_file, "--out": out, "--seed": seed, "--resume": resume,
            "--device": device, "--ambiguity": ambiguity, "--strict": strict, "--group": group,
            "--steps1": steps1, "--steps2": steps2, "--epochs1": epochs1, "--epochs2": epochs2,
            "--batch-size": batch_size, "--evaluators": evaluators,
        }
        args = forwarded_args(flags, list(overrides or []), list(option or []))
        raise typer.Exit(ddp.launch(nproc, ["-m", "dnagan", "run", *args]))
    info = ddp.init_distributed(device or "auto")  # joins torchrun's group; no-op otherwise

    reporter = RichReporter() if info.main else SilentReporter()
    data = None
    created = False
    if resume is not None:
        run_dir = resume
        resuming = (resume / "checkpoints" / "latest.pt").is_file()
        config = None
        if not resuming:  # stopped before its first checkpoint: start afresh
            config = unstarted_config(resume)
            check_names(config)
            data = prepare_run(config, reporter)
    else:
        if encoder is None:
            valid = ", ".join(get_plugins().encoders.names())
            raise ConfigError(f"--encoder is required (valid: {valid})")
        get_plugins().encoders.get(encoder)
        dna_values = options_to_dict(dna_options(ambiguity, strict, group))
        fields: dict[str, object] = {
            "encoder": encoder,
            "images": images,
            "dna": str(dna) if dna is not None else None,
            "seed": seed,
            "device": device,
            "encoder_options": encoder_options(option) or None,
            "dna_options": dna_values if dna is not None else None,
            "evaluators": evaluators,
            "stage1_evaluators": "none" if evaluators == "none" else None,
            "stage1.steps": steps1,
            "stage2.steps": steps2,
            "stage1.epochs": epochs1,
            "stage2.epochs": epochs2,
            "stage1.batch_size": batch_size,
            "stage2.batch_size": batch_size,
        }
        config = resolve_config(preset, config_file, fields, list(overrides or []))
        check_names(config)
        created = info.main and (out is None or not check_out(out))  # rank 0 creates it
        data = prepare_run(config, reporter)  # bad data fails before any folder exists
        chosen = config  # only rank 0 creates the folder; the others learn its path

        def create() -> Path:
            if out is None:
                return next_run_dir(chosen.encoder, chosen.preset)
            return prepare_out(out)

        run_dir = ddp.main_then_share(create)
        resuming = False
    try:
        summary = train(config or TrainConfig(), run_dir, resume=resuming, reporter=reporter,
                        data=data)
    except Interrupted as stop:
        reporter.end_stage(0)
        if info.main:
            typer.echo(str(stop), err=True)
        raise typer.Exit(stop.exit_code) from None
    except KeyboardInterrupt:  # outside the training loop (data loading, evaluation)
        reporter.end_stage(0)
        typer.echo(f"interrupted; resume with: dnagan run --resume {run_dir}", err=True)
        raise typer.Exit(130) from None
    except Exception:
        # a new run that failed before its first checkpoint leaves nothing behind
        if info.main and resume is None and not (run_dir / "checkpoints" / "latest.pt").exists():
            remove_partial(run_dir, created)
        raise
    finally:
        reporter.end_stage(0)
        ddp.shutdown()
    if not info.main:
        return
    for key in ("fid", "fid_n", "fid_stage1", "fid_stage1_n", "kid", "train_seconds"):
        if key in summary:
            typer.echo(f"{key}: {summary[key]}")
    typer.echo(str(run_dir))
