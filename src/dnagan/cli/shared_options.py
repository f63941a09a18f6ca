"""Command-line options several commands share, declared once so they read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="cpu, cuda, cuda:N or auto (CUDA when present). Default: auto; generate: cpu.",
    ),
]
ImagesOption = Annotated[
    Path | None,
    typer.Option(
        "--images",
        help="Folder (recursive) or .zip of landscape photos. Default: the embedded synthetic set.",
    ),
]
PresetOption = Annotated[
    str,
    typer.Option("--preset", help="Training preset: paper | quick | smoke (see docs/presets.md)."),
]
ConfigFileOption = Annotated[
    Path | None, typer.Option("--config", help="TOML file overriding preset fields.")
]
OverridesOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Any config field, e.g. --set stage1.steps=200 (repeatable)."),
]
