"""Logging, created once: Powertools Logger with a correlation id and secret masking.

Two layers of masking: values under sensitive keys are replaced wherever they appear in a log
record, and every secret the current request carried (its token, password, FCM token) is
registered with ``mask()`` and scrubbed from the final line, exception text included.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:  # a TypedDict module, only for the annotation: not loaded at cold start
    from aws_lambda_powertools.logging.types import PowertoolsLogRecord

MASK = "***"
SENSITIVE_KEY = re.compile(r"token|password|secret|authorization|cookie|credential", re.IGNORECASE)
BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")

_request_secrets = threading.local()


def mask(values: Iterable[str | None]) -> None:
    """Register this request's secrets; they never appear in a log line from now on."""
    secrets: set[str] = getattr(_request_secrets, "values", set())
    secrets.update(v for v in values if v and len(v) >= 4)
    _request_secrets.values = secrets


def forget_request_secrets() -> None:
    _request_secrets.values = set()


_MAX_LOG_DEPTH = 32


def _mask_keys(value: Any, depth: int = 0) -> Any:
    """Bounded: whatever a log record holds, deeper than ``_MAX_LOG_DEPTH`` it is cut, not recursed."""
    if isinstance(value, dict | list | tuple) and depth >= _MAX_LOG_DEPTH:
        return "..."
    if isinstance(value, dict):
        return {k: MASK if SENSITIVE_KEY.search(str(k)) and v else _mask_keys(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_keys(v, depth + 1) for v in value]
    return value


def scrub(text: str) -> str:
    """Remove every registered secret and any bearer credential from ``text``."""
    for secret in sorted(getattr(_request_secrets, "values", ()), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return BEARER.sub(r"\1" + MASK, text)


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        return scrub(super().serialize(_mask_keys(log)))


logger = Logger(service="batterycrm", logger_formatter=MaskingFormatter())
