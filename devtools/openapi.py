"""Writes docs/openapi.json: every function's routes and models merged into one OpenAPI document.

python -m devtools.openapi          # regenerate docs/openapi.json
python -m devtools.openapi --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from devtools import generated, openapi_extras

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "openapi.json"

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"const": False},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable snake_case identifier, see API.md"},
                "message": {"type": "string"},
                "correlation_id": {"type": "string", "description": "on 5xx: the id to find the log lines"},
            },
        },
    },
}


def _use_our_error_envelope(responses: dict[str, Any]) -> None:
    """Powertools documents its 422; the API answers 400 and every other error in one envelope."""
    envelope = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    responses.pop("422", None)
    responses["400"] = {"description": "invalid_request (and missing_token on logout)", **envelope}
    responses["default"] = {"description": "any other error code of the contract", **envelope}


# How callers prove who they are (so a fuzzer, or a generated client, knows the contract).
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "the session token: Authorization: Bearer"},
    "sessionToken": {"type": "apiKey", "in": "header", "name": "x-session-token", "description": "the same token"},
    "telegramSecret": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Telegram-Bot-Api-Secret-Token",
        "description": "the tenant's webhook secret, sent by Telegram",
    },
    "maxSecret": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Max-Bot-Api-Secret",
        "description": "the tenant's MAX webhook secret, sent by MAX",
    },
}
PUBLIC_PATHS = {"/webhook/android/auth/login", "/webhook/desktop/auth/login"}


def _declare_security_and_ids(path: str, operation: dict[str, Any]) -> None:
    """Who may call the operation, and ``format: uuid`` for the ids in its path."""
    if path.startswith("/webhook/telegram/"):
        operation["security"] = [{"telegramSecret": []}]
    elif path.startswith("/webhook/max/"):
        operation["security"] = [{"maxSecret": []}]
    elif path.startswith("/webhook/vk/"):  # VK proves itself in the body (secret, group_id): no header
        operation["security"] = []
        plain = {"text/plain": {"schema": {"type": "string"}, "example": "ok"}}
        operation["responses"]["200"] = {"description": "`ok`, or the confirmation string", "content": plain}
    elif path in PUBLIC_PATHS:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}, {"sessionToken": []}]
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"].endswith("_id"):
            parameter.setdefault("schema", {})["format"] = "uuid"


def build() -> dict[str, Any]:
    """Every API function's schema, merged by Powertools' OpenAPIMerge, with the error envelope,
    who may call what, the servers and the examples added."""
    merge = OpenAPIMerge(on_conflict="error")
    for app_file in sorted((ROOT / "functions").glob("*/app.py")):
        if "create_app(" in app_file.read_text():  # an API function (the others have no resolver)
            merge.add_file(app_file)
    merged = json.loads(merge.get_openapi_json_schema())
    paths: dict[str, Any] = merged.get("paths", {})
    for path, operations in paths.items():
        for operation in operations.values():
            _use_our_error_envelope(operation["responses"])
            _declare_security_and_ids(path, operation)
    schemas = merged.get("components", {}).get("schemas", {})
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "BatteryCRM Operator API", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(
                sorted(
                    {
                        "ErrorEnvelope": ERROR_ENVELOPE,
                        **{k: v for k, v in schemas.items() if k not in ("HTTPValidationError", "ValidationError")},
                    }.items()
                )
            ),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
    return openapi_extras.add_servers_and_examples(spec)


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    generated.command_line(__doc__, OUTPUT, render, "python -m devtools.openapi")


if __name__ == "__main__":
    main()
