"""What devtools/openapi.py adds to the generated spec beyond what the functions declare: the
servers (the local gateway and the deployed stack) and examples (each request body is the one of
its events/ sample; answers have hand-picked examples of success and of the error envelope)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SERVERS = [
    {"url": "http://127.0.0.1:3000", "description": "make run (the local gateway)"},
    {
        "url": "https://{api_id}.execute-api.{region}.amazonaws.com",
        "description": "a deployed stack: the ApiUrl output of `make deploy`",
        "variables": {
            "api_id": {"default": "abc123defg", "description": "the HTTP API's id"},
            "region": {"default": "eu-central-1"},
        },
    },
]

# Stand-ins for the events' placeholders inside request examples.
_EXAMPLE_IDS = {
    "SAMPLE-APPEAL-ID": "0b6f3c5e-8f1a-4c1e-9d2b-3a4e5f607182",
    "SAMPLE-PROMO-ID": "5d2e8a41-7c3b-4f6d-a1e9-0c8b7d6e5f43",
    "SAMPLE-SESSION-ID": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
}

_SESSION = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "device_type": "mobile",
    "created_at": "2026-11-22T09:15:00Z",
    "last_active_at": "2026-11-22T12:00:00Z",
    "expires_at": "2026-12-22T12:00:00Z",
}

# Success answers by "METHOD path" (only where an example says more than the schema does).
SUCCESS_EXAMPLES: dict[str, Any] = {
    "post /webhook/android/auth/login": {
        "success": True,
        "session_token": "q3J0c2Vzc2lvbi10b2tlbi1leGFtcGxlLTQzLWNoYXJz",
        "device_type": "mobile",
        "expires_at": "2026-12-22T09:15:00Z",
        "operator": {
            "id": "2f9d5c1a-6b7e-4e8f-9a0b-1c2d3e4f5a6b",
            "tenant_id": "7e6d5c4b-3a29-4817-b6a5-948372615a4b",
            "name": "Anna Smirnova",
            "login": "anna@demo.test",
        },
    },
    "post /webhook/desktop/auth/login": {
        "success": True,
        "session_token": "ZGVza3RvcC1zZXNzaW9uLXRva2VuLWV4YW1wbGUtNDNjaA",
        "device_type": "desktop",
        "expires_at": "2026-11-22T21:15:00Z",
        "operator": {
            "id": "2f9d5c1a-6b7e-4e8f-9a0b-1c2d3e4f5a6b",
            "tenant_id": "7e6d5c4b-3a29-4817-b6a5-948372615a4b",
            "name": "Anna Smirnova",
            "login": "anna@demo.test",
        },
    },
    "get /webhook/api/operator/session": {"success": True, "session": _SESSION},
    "post /webhook/android/logout": {"success": True},
    "post /webhook/telegram/{tenant_slug}": {"success": True},
    "post /webhook/max/{tenant_slug}": {"success": True},
}

_PATH_PARAMETER = re.compile(r"\{[^}]+\}")
_AUTHENTICATED = re.compile(r"^/webhook/(api/|android-register-fcm|android/logout)")
_ACTS_ON_APPEAL = re.compile(r"/appeals/\{[^}]+\}/(take|response|promo|normalize)$")

# name: (code, message, when it happens, which paths can answer it)
_ERROR_EXAMPLES: dict[str, tuple[str, str, str, Callable[[str], bool]]] = {
    "invalid_credentials": (
        "invalid_credentials",
        "Wrong login or password.",
        "401",
        lambda path: path.endswith("/auth/login"),
    ),
    "missing_token": (
        "missing_token",
        "No session token was sent.",
        "401 (400 on logout)",
        lambda path: bool(_AUTHENTICATED.match(path)),
    ),
    "session_expired": (
        "session_expired",
        "The session has expired. Please sign in again.",
        "401",
        lambda path: bool(_AUTHENTICATED.match(path)),
    ),
    "session_replaced": (
        "session_replaced",
        "You signed in on another device.",
        "401",
        lambda path: bool(_AUTHENTICATED.match(path)),
    ),
    "unauthorized": (
        "unauthorized",
        "Not authorized.",
        "401: wrong webhook secret or unknown tenant",
        lambda path: path.startswith(("/webhook/telegram/", "/webhook/max/")),
    ),
    "not_found": (
        "not_found",
        "Not found.",
        "404: no such id in the caller's tenant",
        lambda path: "/{" in path and not path.startswith(("/webhook/telegram/", "/webhook/max/")),
    ),
    "appeal_already_taken": (
        "appeal_already_taken",
        "Another operator holds this appeal.",
        "409",
        lambda path: bool(_ACTS_ON_APPEAL.search(path)),
    ),
    "rate_limited": (
        "rate_limited",
        "Too many attempts. Try again later.",
        "429, with Retry-After",
        lambda path: path.endswith(("/auth/login", "/operator/password")),
    ),
    "channel_unavailable": (
        "channel_unavailable",
        "The client's messaging channel is unavailable.",
        "502: Telegram refused or timed out",
        lambda path: path.endswith(("/response", "/promo")),
    ),
    "service_unavailable": (
        "service_unavailable",
        "The service is temporarily unavailable. Retry shortly.",
        "503, with correlation_id",
        lambda path: True,
    ),
}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error": {"code": code, "message": message}}


def _route_key(method: str, path: str) -> str:
    return method.lower() + " " + _PATH_PARAMETER.sub("{}", path)


def _event_bodies() -> dict[str, Any]:
    """The JSON body of each events/ sample, by route (path parameters unnamed)."""
    bodies: dict[str, Any] = {}
    for path in sorted((ROOT / "events").glob("*.json")):
        event = json.loads(path.read_text())
        route, body = event.get("routeKey"), event.get("body")
        if route and body and not event.get("isBase64Encoded"):
            for placeholder, example in _EXAMPLE_IDS.items():
                body = body.replace(placeholder, example)
            method, _, route_path = route.partition(" ")
            bodies[_route_key(method, route_path)] = json.loads(body)
    return bodies


def _json_content(operation: dict[str, Any], status: str) -> dict[str, Any] | None:
    """The response's application/json media object, as this response's own copy (the generator
    shares one object between the error responses)."""
    content = operation.get("responses", {}).get(status, {}).get("content", {})
    if "application/json" not in content:
        return None
    media: dict[str, Any] = dict(content["application/json"])
    content["application/json"] = media
    return media


DESCRIPTION = (
    "The API behind BatteryCRM's Android app and desktop console, and the Telegram webhook that brings "
    "clients' messages in. Sign in with a login endpoint and send its `session_token` as "
    '`Authorization: Bearer <token>`. Every failure is `{"success": false, "error": {"code", '
    '"message"}}`; the codes and the rules behind them are in the repository\'s docs/api.md.'
)


def add_servers_and_examples(spec: dict[str, Any]) -> dict[str, Any]:
    spec["info"].setdefault("description", DESCRIPTION)
    spec["servers"] = SERVERS
    bodies = _event_bodies()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            key = _route_key(method, path)
            if key in bodies:
                request = operation.setdefault("requestBody", {"required": True, "content": {}})
                media = request["content"].setdefault("application/json", {"schema": {"type": "object"}})
                media["example"] = bodies[key]
            success = _json_content(operation, "200")
            if success is not None and f"{method} {path}" in SUCCESS_EXAMPLES:
                success["example"] = SUCCESS_EXAMPLES[f"{method} {path}"]
            invalid = _json_content(operation, "400")
            if invalid is not None:
                invalid["example"] = _error("invalid_request", "Invalid or missing field(s): text.")
            other = _json_content(operation, "default")
            if other is not None:
                other["examples"] = {
                    name: {"summary": when, "value": _error(code, message)}
                    for name, (code, message, when, applies) in _ERROR_EXAMPLES.items()
                    if applies(path)
                }
    return spec
