"""Writes functions/route_fallback/routes.json: every (method, path) template.yaml routes, which the
``$default`` function needs to tell 405 (a routed path, another method) from 404.

python -m devtools.routes          # regenerate
python -m devtools.routes --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from devtools.gateway import load_routes

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "functions" / "route_fallback" / "routes.json"


def render(template: Path = ROOT / "template.yaml") -> str:
    routes, _ = load_routes(template)
    pairs = sorted({(r.method, r.path) for r in routes if r.path != "$default"}, key=lambda p: (p[1], p[0]))
    return json.dumps([list(p) for p in pairs], indent=1) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            sys.exit("functions/route_fallback/routes.json is out of date: run `python -m devtools.routes`")
        return
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
