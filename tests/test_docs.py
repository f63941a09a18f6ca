"""The docs stay true: every hook documented, generated pages current, every command run.

Runnable commands are the ``$ ...`` lines of fenced ``console`` blocks in docs/*.md and in the
example plugin's README (other fences, such as ``shell``, are illustrations). Each page's console
blocks run in order, each starting in a scratch folder that stands for the checkout's root (it
holds ``reads.fastq`` and a link to the repository's ``plugins/``); packages a block installs stay
installed for the page's later blocks. Commands that train models are listed in :data:`SLOW` with
the reason and run only with ``pytest -m slow``.
"""

from __future__ import annotations

import importlib.util
import random
import re
import shlex
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from plugin_packages import ROOT, install_package, run_python

from dnagan import hookspecs
from dnagan.plugins import reset_plugins

DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "plugins" / "dnagan-codon" / "README.md"]

#: Documented commands that train models, with the reason they run only with ``-m slow`` and
#: where the same path is tested at smoke size by default.
SLOW = {
    "dnagan run --encoder average --preset smoke --out runs/first": (
        "trains a model; `dnagan run --preset smoke` is covered by the trainer's tests"
    ),
    "dnagan generate runs/first --dna reads.fastq --out images/": (
        "needs the trained model of the line before; covered by the trainer's generate tests"
    ),
    "dnagan bench --encoders average,kmer --preset smoke --out bench-smoke": (
        "trains one model per encoder; covered by the bench tests"
    ),
    "dnagan run --encoder codon --preset smoke --out runs/codon": (
        "trains a model; covered by "
        "tests/test_codon_plugin.py::test_run_and_generate_with_codon_at_smoke_size"
    ),
    "dnagan bench --encoders average,codon --preset smoke --out bench-codon": (
        "trains two models; covered by "
        "tests/test_codon_plugin.py::test_bench_average_against_codon_at_smoke_size"
    ),
}


@dataclass
class Block:
    """One fenced ``console`` block: where it is and its ``$`` commands."""

    page: Path
    line: int
    commands: list[str]

    @property
    def slow(self) -> bool:
        return any(command in SLOW for command in self.commands)


def console_blocks(page: Path) -> list[Block]:
    """The ``console`` blocks of a Markdown page, in order."""
    blocks: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(page.read_text("utf-8").splitlines(), start=1):
        stripped = line.strip()
        if current is None and stripped == "```console":
            current = Block(page, number, [])
        elif current is not None and stripped.startswith("```"):
            blocks.append(current)
            current = None
        elif current is not None and stripped.startswith("$ "):
            current.commands.append(stripped[2:].strip())
    return blocks


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- reference pages ------------------------------------------------------------------------------


def _hook_names() -> list[str]:
    return sorted(
        name for name, value in vars(hookspecs).items()
        if callable(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")
    )


def test_every_hook_has_a_section_in_hooks_md() -> None:
    sections = set(re.findall(r"^## (\S+)\s*$", (DOCS / "hooks.md").read_text("utf-8"), re.M))
    hooks = _hook_names()
    assert hooks, "no hooks found in dnagan.hookspecs"
    missing = [hook for hook in hooks if hook not in sections]
    assert not missing, f"docs/hooks.md has no '## <hook>' section for: {', '.join(missing)}"
    unknown = sorted(s for s in sections if s.startswith("register_") and s not in hooks)
    assert not unknown, f"docs/hooks.md documents hooks that do not exist: {', '.join(unknown)}"


def test_cli_reference_is_current() -> None:
    expected = _load_script("generate_cli_reference").render()
    assert (DOCS / "cli.md").read_text("utf-8") == expected, (
        "docs/cli.md is stale: run .venv/bin/python docs/generate_cli_reference.py"
    )


def test_presets_table_is_current() -> None:
    script = _load_script("generate_cli_reference")
    text = (DOCS / "presets.md").read_text("utf-8")
    assert script.START in text and script.END in text
    assert script.updated_presets(text) == text, (
        "the table in docs/presets.md is stale: run .venv/bin/python docs/generate_cli_reference.py"
    )


def test_cli_reference_documents_every_command() -> None:
    from typer.main import get_command

    from dnagan.cli import app

    group = get_command(app)
    text = (DOCS / "cli.md").read_text("utf-8")
    for name in group.list_commands(group.context_class(group, info_name="dnagan")):
        assert f"## dnagan {name}\n" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text("utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


# --- runnable commands ----------------------------------------------------------------------------


def test_slow_list_has_no_stale_entries() -> None:
    documented = {c for page in PAGES for block in console_blocks(page) for c in block.commands}
    stale = sorted(set(SLOW) - documented)
    assert not stale, f"SLOW lists commands no page shows any more: {stale}"


def test_training_commands_are_listed_as_slow() -> None:
    for page in PAGES:
        for block in console_blocks(page):
            for command in block.commands:
                if re.match(r"dnagan (run|bench|generate)\b", command):
                    assert command in SLOW, (
                        f"{page.name}:{block.line}: `{command}` trains or needs a model: list it "
                        "in SLOW in tests/test_docs.py with the reason and where it is covered"
                    )


def _write_reads(path: Path, count: int = 40, length: int = 150) -> None:
    rng = random.Random(11)
    lines = []
    for index in range(count):
        sequence = "".join(rng.choice("ACGT") for _ in range(length))
        lines += [f"@read{index + 1}", sequence, "+", "I" * length]
    path.write_text("\n".join(lines) + "\n")


def _installed_already(folder: Path) -> bool:
    found = re.search(r'^name = "([^"]+)"', (folder / "pyproject.toml").read_text("utf-8"), re.M)
    assert found, f"{folder}/pyproject.toml has no project name"
    name = found.group(1)
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


class Shell:
    """Runs documented commands: ``dnagan``, ``cd``, ``pip install [-e] DIR``, ``pytest``."""

    def __init__(self, cli: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cli, self.cwd, self.monkeypatch = cli, workdir, monkeypatch
        self.site = workdir.parent / "site"

    def run(self, line: str, where: str) -> None:
        for command in line.split("&&"):
            self._one(shlex.split(command), where)

    def _one(self, argv: list[str], where: str) -> None:
        program, args = argv[0], argv[1:]
        if program == "dnagan":
            result = self.cli(*args, cwd=self.cwd)
            assert result.exit_code == 0, (
                f"{where}: `dnagan {' '.join(args)}` exited {result.exit_code}: "
                f"{result.stderr}{result.exception or ''}"
            )
        elif program == "cd":
            self.cwd = (self.cwd / args[0]).resolve()
            assert self.cwd.is_dir(), f"{where}: no folder {args[0]}"
        elif program == "pip" and args[:1] == ["install"]:
            source = [a for a in args[1:] if not a.startswith("-")]
            assert len(source) == 1, f"{where}: pip install needs exactly one folder"
            folder = (self.cwd / source[0]).resolve()
            if _installed_already(folder):
                return  # e.g. make setup installed the example plugin: a second copy would clash
            install_package(folder, self.site)
            self.monkeypatch.syspath_prepend(str(self.site))
            reset_plugins()
        elif program == "pytest":
            done = run_python(["-m", "pytest", "-q", "-p", "no:cacheprovider"], self.site, self.cwd)
            assert done.returncode == 0, f"{where}: pytest failed\n{done.stdout}{done.stderr}"
        else:
            pytest.fail(
                f"{where}: `{program}` is not a command tests/test_docs.py can run; put it in a "
                "```shell block if it is only an illustration, or teach Shell to run it"
            )


def _run_page(page: Path, include_slow: bool, cli: Any, tmp_path: Path, monkeypatch: Any) -> int:
    workdir = tmp_path / "work"
    workdir.mkdir()
    _write_reads(workdir / "reads.fastq")
    (workdir / "plugins").symlink_to(ROOT / "plugins", target_is_directory=True)
    shell = Shell(cli, workdir, monkeypatch)
    ran = 0
    for block in console_blocks(page):
        if block.slow and not include_slow:
            continue
        shell.cwd = workdir  # every block starts where a reader starts: the checkout's root
        for command in block.commands:
            shell.run(command, f"{page.name}:{block.line}")
            ran += 1
    return ran


RUNNABLE = [p for p in PAGES if console_blocks(p)]


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda p: p.name)
def test_documented_commands_run(page: Path, cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if all(block.slow for block in console_blocks(page)):
        pytest.skip("; ".join(SLOW[c] for b in console_blocks(page) for c in b.commands))
    assert _run_page(page, False, cli, tmp_path, monkeypatch) > 0


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=lambda p: p.name)
def test_documented_commands_run_including_training(  # type: ignore[no-untyped-def]
    page: Path, cli, tmp_path: Path, monkeypatch
) -> None:
    _run_page(page, True, cli, tmp_path, monkeypatch)
