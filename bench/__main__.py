"""Run every bench/bench_*.py module's `run()`, print one table and write bench/results.json.

Each `run()` returns a list of rows: {"name": str, "value": float, "unit": str, and optionally
"baseline": float, "goal": str, "ok": bool}. Figures vary between machines, so a benchmark
compares against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def discover(only: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not only or any(o in n for o in only)]


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return "" if value is None else str(value)


def table(rows: list[dict[str, Any]]) -> str:
    columns = ["bench", "name", "value", "unit", "baseline", "ratio", "goal", "ok"]
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only benchmarks whose name contains this")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in discover(args.only):
        began = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        for row in module.run():
            baseline = row.get("baseline")
            if baseline and row.get("ratio") is None:
                row["ratio"] = row["value"] / baseline
            rows.append({"bench": name.removeprefix("bench_"), **row})
        # The whole run must stay under 10 minutes from a fresh clone: say where it goes.
        print(f"{name}: {time.perf_counter() - began:.0f} s", file=sys.stderr)  # noqa: T201
    print(table(rows))  # noqa: T201 - a command-line report
    print(f"total: {time.perf_counter() - started:.0f} s", file=sys.stderr)  # noqa: T201
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return 0 if all(r.get("ok", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
