"""``dnagan plugins``: list encoders, generators, evaluators and plugin failures."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from dnagan.cli.app import app
from dnagan.plugins import Plugins, get_plugins


def plugins_as_dict(plugins: Plugins) -> dict[str, Any]:
    """The JSON form printed by ``dnagan plugins --json``."""

    def entries(registry: Any) -> list[dict[str, str]]:
        return [
            {"name": r.name, "plugin": r.plugin, "description": r.item.description}
            for r in registry
        ]

    return {
        "encoders": entries(plugins.encoders),
        "generators": entries(plugins.generators),
        "evaluators": entries(plugins.evaluators),
        "errors": [{"plugin": e.plugin, "error": e.error} for e in plugins.errors],
    }


@app.command("plugins")
def plugins_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """List every encoder, generator and evaluator with its plugin, and plugins that failed.

    Examples:

        dnagan plugins

        dnagan plugins --json
    """
    listing = plugins_as_dict(get_plugins())
    if as_json:
        typer.echo(json.dumps(listing, indent=2))
        return
    console = Console()
    for kind in ("encoders", "generators", "evaluators"):
        table = Table(title=kind.capitalize(), title_justify="left")
        for column in ("name", "plugin", "description"):
            table.add_column(column)
        for entry in listing[kind]:
            table.add_row(entry["name"], entry["plugin"], entry["description"])
        console.print(table)
    if listing["errors"]:
        table = Table(title="Plugins that failed", title_justify="left", style="red")
        table.add_column("plugin")
        table.add_column("error")
        for failure in listing["errors"]:
            table.add_row(failure["plugin"], failure["error"])
        console.print(table)
