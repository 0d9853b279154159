"""Business metrics, created once: Powertools Metrics in CloudWatch's embedded metric format (EMF).

Call sites are one-liners (``metrics.login_failed()``); the values are flushed as one EMF line on
stdout at the end of each invocation (``flush()``, called by ``api.lambda_entry`` and the scheduled
functions), and CloudWatch turns that line into metrics: no API call, no extra latency.

Namespace ``BatteryCRM``, dimension ``service=batterycrm``
(``TelegramFailures`` also ``kind``). The alarms in template.yaml and docs/operations.md use these names.
``POWERTOOLS_METRICS_DISABLED=true`` drops them (the benchmark does, to keep its output clean).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

P = ParamSpec("P")
R = TypeVar("R")
NAMESPACE = "BatteryCRM"

SERVICE = "batterycrm"  # the logger's service too; every metric has the dimension service=batterycrm

_metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# In Lambda one invocation runs at a time; under `make run` and in the tests the push and media
# dispatcher threads count metrics beside the requests served in the same process, and Powertools
# keeps the metric set in one dict: adding and flushing take turns.
_lock = threading.Lock()


def _count(name: str, value: float = 1) -> None:
    if value:
        with _lock:
            _metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush() -> None:
    """Write this invocation's metrics as one EMF line (nothing when there are none)."""
    with _lock:
        if not _metrics.metric_set:
            return
        if is_metrics_disabled():
            _metrics.clear_metrics()
            return
        _metrics.flush_metrics()


# Sign-in and sessions
def login_succeeded() -> None:
    _count("Logins")


def login_failed() -> None:
    _count("LoginsFailed")


def sessions_replaced(count: int) -> None:
    _count("SessionsReplaced", count)


# Appeals and messages
def appeal_opened() -> None:
    _count("AppealsOpened")


def message_in() -> None:
    _count("MessagesIn")


def message_out() -> None:
    _count("MessagesOut")


def telegram_failed(kind: str) -> None:
    """A Bot API call that failed; ``kind``: unreachable, timeout, blocked, rate_limited, refused, no_bot."""
    _count_by("TelegramFailures", "kind", kind)


def telegram_failure_kind(status: int) -> str:
    return {403: "blocked", 429: "rate_limited"}.get(status, "refused")


def webhook_rejected() -> None:
    """Telegram (or someone) posted to a webhook with a wrong secret or an unknown slug."""
    _count("TelegramWebhookRejected")


# Jobs: the push outbox (and the media jobs, which report through the same names' family)
def pushes(sent: int, failed: int, dead: int) -> None:
    _count("PushesSent", sent)
    _count("PushesFailed", failed)
    _count("PushesDead", dead)


def media_job_failed(dead: bool = False) -> None:
    """A media download job failed an attempt (``dead``: its last one)."""
    _count("MediaJobsDead" if dead else "MediaJobsFailed")


def job_backlog_age(seconds: float) -> None:
    """How long the oldest pending job has waited (0 when none), measured by the dispatcher."""
    with _lock:
        _metrics.add_metric(name="JobBacklogAgeSeconds", unit=MetricUnit.Seconds, value=round(seconds, 3))


def server_error(route: str) -> None:
    """An HTTP answer of 5xx on ``route`` (API Gateway's route key, e.g. ``POST /webhook/telegram/{tenant_slug}``)."""
    _count_by("ServerErrors", "route", route)


def _count_by(name: str, dimension: str, value: str) -> None:
    """One count of ``name`` with its own ``dimension`` (written at once, apart from the invocation's
    other metrics, whose dimensions it must not share)."""
    with _lock:
        if is_metrics_disabled():
            return
        with single_metric(
            name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
        ) as metric:
            metric.add_dimension(name=dimension, value=value)


def flushing(handler: Callable[P, R]) -> Callable[P, R]:
    """Wrap a Lambda handler so that its metrics are flushed when it returns or raises (and an
    HTTP answer of 5xx is counted per route)."""

    @functools.wraps(handler)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = handler(*args, **kwargs)
            if isinstance(result, dict) and isinstance(result.get("statusCode"), int) and result["statusCode"] >= 500:
                event = args[0] if args and isinstance(args[0], dict) else {}
                server_error(str(event.get("routeKey") or "unknown"))
            return result
        finally:
            flush()

    return wrapped
