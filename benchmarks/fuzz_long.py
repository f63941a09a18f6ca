"""The long fuzz run: every target of ``tests/test_fuzz.py`` with many more examples.

Runs each target (DNA file reader, string input, validator, built-in encoders, ``--set``
overrides, TOML config files) for ``--examples`` examples (default 2,000 each, 12,000 in all),
counts the examples actually executed and writes the counts to ``--out`` (JSON). Any input that
gives something other than valid output or a clean ``DnaganError`` fails with hypothesis's
minimal example.

    nice .venv/bin/python benchmarks/fuzz_long.py --examples 2000 --out /tmp/fuzz_long.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_fuzz import TARGETS, fuzz  # noqa: E402


def main() -> None:
    """Run every fuzz target, print and save the example counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per target")
    parser.add_argument("--out", type=Path, default=Path("fuzz_long.json"))
    parser.add_argument("--targets", default=",".join(sorted(TARGETS)))
    args = parser.parse_args()
    logging.getLogger("dnagan").addHandler(logging.NullHandler())  # skip/drop notes: not news
    logging.getLogger("dnagan").propagate = False
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for name in args.targets.split(","):
        counter = {"n": 0}

        def count(counter: dict[str, int] = counter) -> None:
            counter["n"] += 1

        started = time.perf_counter()
        fuzz(name, args.examples, on_example=count)
        seconds[name] = round(time.perf_counter() - started, 1)
        counts[name] = counter["n"]
        print(f"{name}: {counter['n']} examples in {seconds[name]} s", flush=True)
    summary = {"examples_per_target": args.examples, "executed": counts,
               "total": sum(counts.values()), "seconds": seconds, "failures": 0}
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
