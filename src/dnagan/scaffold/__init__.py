"""Plugin package skeletons written by ``dnagan new-plugin``.

:func:`render_plugin` fills the templates in ``templates/`` (package data) for one plugin name and
kind; :func:`write_plugin` writes them to a new folder atomically (built in a temporary folder next
to the destination, then renamed), so a failure never leaves a half-written package.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from string import Template

from dnagan.errors import ConfigError, OutputError

KINDS = ("encoder", "evaluator", "generator")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CLASS_SUFFIX = {"encoder": "Encoder", "evaluator": "Evaluator", "generator": "Architecture"}
_HOOK = {
    "encoder": "register_encoders",
    "evaluator": "register_evaluators",
    "generator": "register_generators",
}


@dataclass(frozen=True)
class PluginNames:
    """Every name derived from the plugin's NAME: ``gc_skew`` -> package ``dnagan_gc_skew`` etc."""

    name: str  # registered name and entry-point name
    kind: str  # encoder, evaluator or generator
    package: str  # import name
    distribution: str  # pip name
    class_name: str
    hook: str
    dnagan_version: str


def plugin_names(name: str, kind: str) -> PluginNames:
    """Validate ``name`` and ``kind`` (ConfigError listing what is allowed) and derive the names."""
    if kind not in KINDS:
        raise ConfigError(f"unknown plugin kind {kind!r} (valid: {', '.join(KINDS)})")
    if not NAME_PATTERN.match(name) or keyword.iskeyword(name):
        raise ConfigError(
            f"plugin name {name!r} is not valid: use 1-40 lower-case letters, digits and '_', "
            "starting with a letter (e.g. gc_skew)"
        )
    from dnagan import __version__

    camel = "".join(part.capitalize() for part in name.split("_"))
    return PluginNames(
        name=name,
        kind=kind,
        package=f"dnagan_{name}",
        distribution=f"dnagan-{name.replace('_', '-')}",
        class_name=camel + _CLASS_SUFFIX[kind],
        hook=_HOOK[kind],
        dnagan_version=__version__,
    )


def _template(file_name: str) -> Template:
    text = resources.files(__name__).joinpath("templates", file_name).read_text("utf-8")
    return Template(text)


def render_plugin(names: PluginNames) -> dict[str, str]:
    """The skeleton's files: relative path -> text."""
    values = asdict(names)
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"src/{names.package}/__init__.py": f"{names.kind}.py.tmpl",
        f"tests/test_{names.name}.py": f"test_{names.kind}.py.tmpl",
    }
    return {path: _template(source).substitute(values) for path, source in files.items()}


def _ensure_usable(out: Path) -> None:
    if out.is_dir():
        if any(out.iterdir()):
            raise OutputError(f"{out}: exists and is not empty; choose another --out")
    elif out.exists():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")


def write_plugin(names: PluginNames, out: Path) -> dict[str, str]:
    """Write the skeleton into ``out`` (absent or empty) atomically; returns what was written."""
    out = Path(out)
    _ensure_usable(out)
    files = render_plugin(names)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as error:
        raise OutputError(f"{out}: cannot create ({error.strerror or error})") from error
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        _ensure_usable(out)
        if out.is_dir():
            out.rmdir()
        os.replace(staging, out)
    except OSError as error:
        raise OutputError(f"{out}: cannot write ({error.strerror or error})") from error
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return files
