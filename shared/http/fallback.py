"""What the HTTP API's ``$default`` route answers: every request no other route matched. A path that
is routed for other methods is 405 ``method_not_allowed`` (with ``Allow``), anything else 404
``not_found``, both in API.md's envelope. The routed paths come from ``routes.json`` next to the
function, generated from template.yaml by ``python -m devtools.routes``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from shared.core.errors import MethodNotAllowed, NotFound
from shared.http.resolver import as_proxy_result, error_response


@cache
def route_pattern(template: str) -> re.Pattern[str]:
    """API Gateway's route path (``/items/{id}``, greedy ``/files/{path+}``) as a regex whose named
    groups are the path parameters. The local gateway routes with it too."""
    regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(template))
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex) + "$")


def load_routes(routes_file: Path) -> list[tuple[str, str]]:
    """``[(method, path template), ...]`` as written by ``devtools.routes``."""
    return [(str(method), str(path)) for method, path in json.loads(routes_file.read_text())]


def allowed_methods(routes: Iterable[tuple[str, str]], path: str) -> list[str]:
    return sorted({method for method, template in routes if route_pattern(template).match(path)})


def answer(event: dict[str, Any], routes: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The proxy result for a request that reached ``$default``."""
    path = str(event.get("rawPath") or (event.get("requestContext") or {}).get("http", {}).get("path") or "/")
    allowed = allowed_methods(routes, path)
    error = MethodNotAllowed(headers={"Allow": ", ".join(allowed)}) if allowed else NotFound()
    return as_proxy_result(error_response(error))
