"""`make bench-readme`: rewrite the benchmark figures of docs/performance.md (between the
``bench:start`` and ``bench:end`` markers) from bench/results/latest.json, so they always match the
last full run.

    python -m bench.readme [--results bench/results/latest.json] [--readme docs/performance.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def section(report: dict[str, Any]) -> str:
    m = report["machine"]
    kind = "quick run (smaller sizes)" if report.get("quick") else "run"
    return "\n".join(
        [
            START,
            f"Latest {kind}: {report['date'][:10]}, {m['cores']} cores ({m['cpu']}), Python {m['python']}, "
            f"PostgreSQL {m['postgresql']}, written by `make bench-readme` from `bench/results/latest.json`:",
            "",
            "```",
            *(line.rstrip() for line in report["table"]),
            "```",
            END,
        ]
    )


def rewrite(readme: str, report: dict[str, Any]) -> str:
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the page has no {START} ... {END} section")
    return before + section(report) + after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "docs" / "performance.md", help="the page to rewrite")
    args = parser.parse_args(argv)
    if not args.results.exists():
        print(f"error: {args.results} does not exist: run `make bench` first", file=sys.stderr)
        return 1
    try:
        text = rewrite(args.readme.read_text(), json.loads(args.results.read_text()))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.readme.write_text(text)
    print(f"{args.readme.name}: benchmark section rewritten from {args.results.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
