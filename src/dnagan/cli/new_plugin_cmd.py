"""``dnagan new-plugin``: write a working, tested plugin package skeleton."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dnagan.cli.app import app
from dnagan.errors import ConfigError
from dnagan.plugins import Registry, get_plugins
from dnagan.scaffold import plugin_names, write_plugin


def _ensure_name_is_free(name: str, kind: str) -> None:
    plugins = get_plugins()
    registries: dict[str, Registry[Any]] = {
        "encoder": plugins.encoders,
        "evaluator": plugins.evaluators,
        "generator": plugins.generators,
    }
    registry = registries[kind]
    if name in registry:
        owner = registry.get(name).plugin
        raise ConfigError(
            f"{kind} {name!r} already exists (plugin {owner!r}); choose another name"
        )


@app.command("new-plugin")
def new_plugin_command(
    name: str = typer.Argument(
        ...,
        metavar="NAME",
        help="Name to register: lower-case letters, digits and '_' (package dnagan_NAME).",
    ),
    kind: str = typer.Option(
        "encoder", "--kind", help="What the plugin provides: encoder, evaluator or generator."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Folder to create; must not exist or be empty. [default: ./dnagan-NAME]"
    ),
) -> None:
    """Create a plugin package (pyproject with the entry point, an example, tests, README).

    The package works as written: install it, run its tests, and `dnagan plugins` lists it.

    Examples:

        dnagan new-plugin gc_skew

        dnagan new-plugin sharpness --kind evaluator --out ./sharpness-plugin

        cd dnagan-gc-skew && pip install -e . && pytest && dnagan plugins
    """
    names = plugin_names(name, kind)
    _ensure_name_is_free(names.name, names.kind)
    target = out if out is not None else Path.cwd() / names.distribution
    files = write_plugin(names, target)
    typer.echo(f"created {names.kind} plugin {names.name!r} in {target}:")
    for relative in files:
        typer.echo(f"  {relative}")
    typer.echo("next: cd into it, then `pip install -e .`, `pytest` and `dnagan plugins`")
