"""Durable jobs: the one mechanism behind the push outbox and the media downloads.

A job is a row in a queue table (``shared.core.jobs_sql``) written in the transaction that needs the
work; once that transaction commits its worker is *kicked* (``db.after_commit(kick)``): an
asynchronous invoke of the worker's Lambda in AWS, an in-process worker under ``make run`` and in
tests. A schedule runs every worker every minute as the safety net, so a lost kick only delays.
Workers claim due rows with a lease, retry with exponential backoff and jitter, and keep the rows
they give up on.

Each queue is named (``push``, ``media``) with the Lambda function setting that runs it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from shared.core.observability import logger
from shared.core.settings import Settings, get_settings

Kicker = Callable[[], None]

# queue name -> (what to call it in logs, the settings field with the worker's function name)
QUEUES: dict[str, tuple[str, str]] = {
    "push": ("push dispatcher", "push_dispatcher_function_name"),
    "media": ("media worker", "media_worker_function_name"),
}

_local_kickers: dict[str, Kicker] = {}
_lambda: tuple[Settings, Any] | None = None
_lambda_lock = threading.Lock()


def set_local_kicker(queue: str, kicker: Kicker | None) -> None:
    """Route ``queue``'s kicks to an in-process worker (``make run``'s background worker, tests)."""
    if kicker is None:
        _local_kickers.pop(queue, None)
    else:
        _local_kickers[queue] = kicker


def kick(queue: str) -> None:
    """Wake ``queue``'s worker now. Never raises: the change that queued the job is committed."""
    label, setting = QUEUES[queue]
    try:
        kicker = _local_kickers.get(queue)
        if kicker is not None:
            kicker()
            return
        name = getattr(get_settings(), setting)
        if name:
            payload = f'{{"source": "batterycrm.{queue}.kick"}}'.encode()
            _lambda_client().invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    except Exception as exc:
        logger.warning(f"{label} kick failed", extra={"error": type(exc).__name__})


def _lambda_client() -> Any:
    """One Lambda client per container (boto3 loads only here, on the first kick)."""
    global _lambda
    settings = get_settings()
    with _lambda_lock:
        if _lambda is None or _lambda[0] is not settings:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"})
            _lambda = (
                settings,
                boto3.session.Session().client("lambda", region_name=settings.aws_region, config=config),
            )
        return _lambda[1]


def backoff_s(attempt: int, base_s: float, max_s: float) -> float:
    """Exponential backoff with jitter: half the doubled delay fixed, half random."""
    delay = min(max_s, base_s * 2.0 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # jitter, not security
