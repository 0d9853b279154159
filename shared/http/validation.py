"""API.md's 400 ``invalid_request`` for a request Powertools' validation refused: the message names
the offending fields (or says the body is not JSON); the log line keeps locations and types, never
the values sent."""

from __future__ import annotations

from typing import Any

from shared.core.errors import InvalidRequest
from shared.core.observability import logger

_PARTS = ("body", "query", "path", "header", "cookie")


def describe(errors: list[dict[str, Any]]) -> str:
    """API.md's message for a 400 invalid_request: the offending field names, or bad JSON."""
    fields = []
    for err in errors:
        if err.get("type") == "json_invalid":
            return "The body is not valid JSON."
        loc = [str(part) for part in err.get("loc", ()) if part not in _PARTS]
        fields.append(".".join(loc) or "body")
    return "Invalid or missing field(s): " + ", ".join(dict.fromkeys(fields)) + "."


def invalid(errors: list[dict[str, Any]]) -> InvalidRequest:
    """The 400 for ``errors`` (pydantic's), logged with locations and types only, never values."""
    logger.info("invalid request", extra={"errors": [{"loc": e.get("loc"), "type": e.get("type")} for e in errors]})
    return InvalidRequest(describe(errors))
