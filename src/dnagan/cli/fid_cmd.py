"""``dnagan fid DIR1 DIR2``: the FID of two image folders, printed as pytorch-fid prints it."""

from __future__ import annotations

from pathlib import Path

import typer

from dnagan.cli.app import app
from dnagan.cli.shared_options import DeviceOption


@app.command("fid")
def fid_command(
    path1: Path = typer.Argument(
        ..., metavar="DIR1", help="Folder of images (or pytorch-fid .npz statistics)."
    ),
    path2: Path = typer.Argument(
        ..., metavar="DIR2", help="Second folder of images (or .npz statistics)."
    ),
    batch_size: int | None = typer.Option(
        None, "--batch-size", help="Images per batch (default: the extractor's, 16)."
    ),
    device: DeviceOption = None,
    dims: int = typer.Option(
        2048, "--dims", help="Feature dimensionality: 64, 192, 768 or 2048 (pool3)."
    ),
) -> None:
    """Print the Frechet Inception distance between two image folders (pytorch-fid's numbers).

    The last line is ``FID:  <value>`` exactly like ``python -m pytorch_fid DIR1 DIR2``; the
    line before gives the sample counts; questionable inputs (fewer images than feature
    dimensions) are warned about on stderr. Weights are obtained on first use (``dnagan weights``).

    Examples:

        dnagan fid generated/ photos/

        dnagan fid generated/ photos/ --batch-size 32 --device cpu
    """
    from dnagan.devices import resolve_device
    from dnagan.evaluation.folders import path_statistics
    from dnagan.evaluation.frechet import frechet_distance
    from dnagan.evaluation.inception import DEFAULT_BATCH_SIZE, InceptionFeatures

    extractor = InceptionFeatures(
        device=str(resolve_device(device or "auto")),
        batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
        dims=dims,
    )
    first = path_statistics(path1, extractor)
    second = path_statistics(path2, extractor)
    result = frechet_distance(first, second)
    typer.echo(f"samples: {first.n} ({path1}), {second.n} ({path2})")
    typer.echo(f"FID:  {result.value}")
