"""The typer application object, global options and the error boundary shared by every command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from dnagan import __version__
from dnagan.errors import DnaganError


@dataclass
class GlobalState:
    """Options given before the command name."""

    debug: bool = False


state = GlobalState()


def one_line(error: BaseException) -> str:
    """An error's message collapsed onto a single line."""
    return " ".join(str(error).split())


class DnaganGroup(TyperGroup):
    """Turns every :class:`DnaganError` into ``error: <message>`` on stderr and exit code 2, and
    a stray Ctrl-C into ``interrupted`` and exit code 130."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DnaganError as error:
            if state.debug:
                raise
            typer.echo(f"error: {one_line(error)}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:  # Ctrl-C outside a command's own handling (start-up, reading)
            if state.debug:
                raise
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None


app = typer.Typer(
    name="dnagan",
    cls=DnaganGroup,
    help="Turn DNA sequences into landscape images with a two-stage GAN.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dnagan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Turn DNA sequences into landscape images with a two-stage GAN."""
    state.debug = debug
