"""The API's documentation under `make run`: ``/docs`` (Swagger UI, vendored under docs_ui/, no CDN),
``/openapi.json`` (docs/openapi.json, with this gateway as its first server) and ``/`` (a redirect
to /docs). Local only: the deployed HTTP API has none of these routes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from wsgiref.headers import Headers

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.json"
UI = Path(__file__).resolve().parent / "docs_ui"
VENDORED = UI / "swagger-ui-dist"

# The only files served, by URL path: nothing else under devtools/ is reachable.
ASSETS: dict[str, tuple[Path, str]] = {
    "/docs": (UI / "index.html", "text/html; charset=utf-8"),
    "/docs/": (UI / "index.html", "text/html; charset=utf-8"),
    "/docs/init.js": (UI / "init.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui-bundle.js": (VENDORED / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui.css": (VENDORED / "swagger-ui.css", "text/css; charset=utf-8"),
    "/docs/favicon-32x32.png": (VENDORED / "favicon-32x32.png", "image/png"),
    "/docs/LICENSE": (VENDORED / "LICENSE", "text/plain; charset=utf-8"),
    "/docs/NOTICE": (VENDORED / "NOTICE", "text/plain; charset=utf-8"),
    "/docs/swagger-ui-bundle.js.LICENSE.txt": (
        VENDORED / "swagger-ui-bundle.js.LICENSE.txt",
        "text/plain; charset=utf-8",
    ),
}

Response = tuple[int, Headers, bytes]


def spec_for(base_url: str) -> bytes:
    """docs/openapi.json with ``base_url`` (the gateway as the browser reaches it) as the first server,
    so that Swagger UI's "Try it out" calls this gateway whatever its host and port."""
    spec = json.loads(SPEC.read_text())
    others = [s for s in spec.get("servers", []) if not str(s.get("url", "")).startswith("http://")]
    spec["servers"] = [{"url": base_url, "description": "this local gateway (make run)"}, *others]
    return json.dumps(spec, indent=2, ensure_ascii=False).encode()


def _host(headers: Mapping[str, str] | Iterable[tuple[str, str]], default: str) -> str:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        if name.lower() == "host" and value and "/" not in value:
            return value
    return default


def respond(
    method: str, path: str, headers: Mapping[str, str] | Iterable[tuple[str, str]] = (), domain: str = ""
) -> Response | None:
    """The answer for a documentation path, or None when ``path`` is not one (the API routes it)."""
    if method not in ("GET", "HEAD"):
        return None
    if path == "/":
        return 302, Headers([("location", "/docs"), ("content-type", "text/plain; charset=utf-8")]), b"See /docs\n"
    if path == "/openapi.json":
        body = spec_for(f"http://{_host(headers, domain or '127.0.0.1:3000')}")
        return 200, Headers([("content-type", "application/json; charset=utf-8")]), body
    if path in ASSETS:
        file, content_type = ASSETS[path]
        return 200, Headers([("content-type", content_type), ("cache-control", "no-cache")]), file.read_bytes()
    return None
