"""Writes functions/route_fallback/routes.json: every (method, path) template.yaml routes, which the
``$default`` function needs to tell 405 (a routed path, another method) from 404.

python -m devtools.routes          # regenerate
python -m devtools.routes --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import json
from pathlib import Path

from devtools import generated
from devtools.gateway import load_routes

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "functions" / "route_fallback" / "routes.json"


def render(template: Path = ROOT / "template.yaml") -> str:
    routes, _ = load_routes(template)
    pairs = sorted({(r.method, r.path) for r in routes if r.path != "$default"}, key=lambda p: (p[1], p[0]))
    return json.dumps([list(p) for p in pairs], indent=1) + "\n"


def main() -> None:
    generated.command_line(__doc__, OUTPUT, render, "python -m devtools.routes")


if __name__ == "__main__":
    main()
