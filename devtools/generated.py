"""The files generated from the code (docs/openapi.json, docs/api.md, the $default route's
routes.json): each generator's command line writes its file, or with ``--check`` fails when the
checked-in copy is out of date (tests and CI use that)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def command_line(doc: str | None, output: Path, render: Callable[[], str], command: str) -> None:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date; write nothing")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not output.exists() or output.read_text() != text:
            sys.exit(f"{output.relative_to(ROOT)} is out of date: run `{command}`")
        return
    output.parent.mkdir(exist_ok=True)
    output.write_text(text)
    print(f"wrote {output.relative_to(ROOT)}")
