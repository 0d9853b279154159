"""GET /console/... — the operator console's static files (console/, linked here as static/), served
by the API itself: same origin as the API (no CORS, the session header stays on one host), one
template, nothing to sync at deploy. Standalone on purpose: no database, no shared imports, so its
cold start is only this file.

Every answer has an ETag (304 on If-None-Match) and `Cache-Control: no-cache`, so a deploy is seen
at the next load; index.html carries a Content-Security-Policy that allows only this origin's
scripts plus the inline import map (by its hash)."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

STATIC = (Path(__file__).resolve().parent / "static").resolve()
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    "": "text/plain; charset=utf-8",  # LICENSE files
}
_INLINE_SCRIPT = re.compile(rb"<script type=\"importmap\">(.*?)</script>", re.S)
_cache: dict[Path, tuple[bytes, str]] = {}


def _csp(html: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.finditer(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' https: data: blob:; "
        "media-src 'self' https: blob:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )


def _file(relative: str) -> Path | None:
    """The file under static/ for a request path, never anything outside it (no dotfiles, no ..)."""
    if any(part.startswith(".") for part in relative.split("/")):
        return None
    path = (STATIC / (relative or "index.html")).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        return None
    return path


def _answer(status: int, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {"statusCode": status, "headers": headers, "body": text, "isBase64Encoded": encoded}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raw_path = str(event.get("rawPath") or "/console/")
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "GET")
    if method not in ("GET", "HEAD"):
        return _answer(405, {"content-type": "text/plain; charset=utf-8", "allow": "GET, HEAD"}, b"Method Not Allowed")
    if raw_path == "/console":
        return _answer(301, {"location": "/console/"})
    path = _file(raw_path.removeprefix("/console/"))
    if path is None:
        return _answer(404, {"content-type": "text/plain; charset=utf-8"}, b"Not Found")
    if path not in _cache:
        body = path.read_bytes()
        _cache[path] = body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    body, etag = _cache[path]
    suffix = path.suffix.lower()
    content_type = TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {
        "content-type": content_type,
        "etag": etag,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    }
    if suffix == ".html":
        headers["content-security-policy"] = _csp(body)
    if (event.get("headers") or {}).get("if-none-match") == etag:
        return _answer(304, headers)
    return _answer(200, headers, body)
