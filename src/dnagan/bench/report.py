"""Bench outputs: ``results.json``, ``report.md``, a bar chart, one sample grid per encoder."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dnagan import __version__, atomic
from dnagan.bench.aggregate import TABLE_COLUMNS, aggregate, format_value
from dnagan.bench.chart import bar_chart

RESULTS_FILE = "results.json"
REPORT_FILE = "report.md"
CHART_FILE = "fid.png"
GRIDS_DIR = "grids"


def rows_by_encoder(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One aggregated row per encoder, in the order encoders first appear."""
    order: list[str] = []
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for summary in summaries:
        name = str(summary["encoder"])
        if name not in groups:
            order.append(name)
            groups[name] = []
        groups[name].append({k: v for k, v in summary.items() if k not in {"encoder", "seed"}})
    return [aggregate(name, groups[name]) for name in order]


def _latest_grid(run_dir: Path) -> Path | None:
    grids = sorted(run_dir.glob("fakes-stage2-*.png"))
    return grids[-1] if grids else None


def collect_grids(out: Path, rows: Sequence[Mapping[str, Any]], first_seed: int) -> dict[str, str]:
    """Copy each encoder's last stage-2 sample grid to ``OUT/grids/<encoder>.png``."""
    grids: dict[str, str] = {}
    for row in rows:
        source = _latest_grid(out / "runs" / f"{row['encoder']}-seed{first_seed}")
        if source is None:
            continue
        target = out / GRIDS_DIR / f"{row['encoder']}.png"
        with atomic.atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        grids[str(row["encoder"])] = f"{GRIDS_DIR}/{target.name}"
    return grids


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The report's table as Markdown."""
    header = ["encoder", *(title for _, title, _ in TABLE_COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(row["encoder"])]
        cells += [format_value(row, key, decimals) for key, _, decimals in TABLE_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    out: Path, summaries: Sequence[Mapping[str, Any]], settings: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Write all bench outputs into ``out`` and return the aggregated rows."""
    rows = rows_by_encoder(summaries)
    atomic.write_json(out / RESULTS_FILE, rows)
    bar_chart(
        rows,
        "fid",
        f"FID (n={rows[0].get('fid_n', '?') if rows else '?'}) by encoder",
        out / CHART_FILE,
    )
    grids = collect_grids(out, rows, int(settings.get("first_seed", 0)))
    counts = ", ".join(sorted({str(row.get("fid_n")) for row in rows}))
    lines = [
        "# dnagan bench",
        "",
        f"dnagan {__version__}; preset `{settings.get('preset')}`; seeds per encoder: "
        f"{settings.get('seeds')}; FID and KID on {counts} "
        "generated samples against the training images (equal for every encoder).",
        "",
        markdown_table(rows),
        "",
        "Lower FID/KID is better. `diversity` is relative to the real images' spread "
        "(1 = as varied as the photos; near 0 = mode collapse). `locality` near 0: similar "
        "DNA gives similar pictures; near 1: no relation. With several seeds, values are "
        "mean ± std over seeds (KID: ± its subset std).",
        "",
        f"![FID by encoder]({CHART_FILE})",
        "",
    ]
    for name, grid in grids.items():
        lines += [f"## {name}", "", f"![{name} samples]({grid})", ""]
    atomic.write_text(out / REPORT_FILE, "\n".join(lines))
    return rows
