"""The push dispatcher's loop: claim due outbox rows, send them, mark them sent, due again after a
backoff (``shared.core.jobs.backoff_s``), or dead.

Delivery is at least once. A row is claimed with a lease (``PUSH_LEASE_S``) in one committed
statement, so two dispatchers never send the same row; if a dispatcher dies between sending and
marking, its rows become due again when the lease runs out and are sent again (a device may then
get the same push twice; every push carries ids, so the app can ignore a repeat).

The FCM client is not imported here: the sender comes from ``shared.push.fcm``, which only the
dispatcher function loads. Nothing here logs a token or a message body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.core import db, jobs, metrics
from shared.core.observability import logger
from shared.core.settings import Settings, get_settings
from shared.push import outbox_sql as push_outbox
from shared.push.types import Outcome, PushMessage, Sender


def fcm_data(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """FCM data payloads are string maps: strings as they are, other values as JSON, None left out."""
    out = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None}
    out["type"] = kind
    return out


def backoff_s(attempt: int, settings: Settings) -> float:
    """Exponential backoff with jitter: half the doubled delay fixed, half random."""
    return jobs.backoff_s(attempt, settings.push_backoff_base_s, settings.push_backoff_max_s)


def dispatch(sender: Sender | None = None, remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    """Send every due outbox row, a batch at a time, until none is due (or, in Lambda, until the
    remaining time gets short: the rest waits for the next kick or schedule). Returns counts."""
    settings = get_settings()
    if sender is None:
        # Lazy for cold-start cost only (google-auth, requests: ~90 ms): callers that pass a sender
        # (tests, fakes) never load it. fcm imports nothing from this module: no cycle.
        from shared.push import fcm

        sender = fcm.sender()
    summary = {"batches": 0, "claimed": 0, "sent": 0, "retried": 0, "dead": 0, "tokens_removed": 0}
    summary["dead"] += db.run(lambda c: push_outbox.give_up_abandoned(c, max_attempts=settings.push_max_attempts))
    metrics.pushes(sent=0, failed=0, dead=summary["dead"])
    while summary["batches"] == 0 or remaining_ms is None or remaining_ms() > settings.push_time_margin_ms:
        rows = db.run(
            lambda c: push_outbox.claim_due(
                c,
                limit=settings.push_batch_size,
                lease_s=settings.push_lease_s,
                max_attempts=settings.push_max_attempts,
            )
        )
        if not rows:
            break
        summary["batches"] += 1
        summary["claimed"] += len(rows)
        _send_batch(rows, sender, settings, summary)
    metrics.job_backlog_age(db.run(push_outbox.oldest_pending_age_s))
    if summary["claimed"] or summary["dead"]:
        logger.info("push outbox dispatched", extra=summary)
    return summary


def _send_batch(
    rows: list[push_outbox.PushJobRow], sender: Sender, settings: Settings, summary: dict[str, int]
) -> None:
    messages = [PushMessage(r.id, r.kind, r.fcm_token, fcm_data(r.kind, r.data), r.session_id) for r in rows]
    try:
        outcomes = sender.send(messages)
    except Exception as exc:  # the whole batch failed (credentials, network): every row is retried
        logger.warning("push batch failed", extra={"error": type(exc).__name__, "messages": len(messages)})
        outcomes = [Outcome(ok=False, error=f"batch failed: {type(exc).__name__}")] * len(messages)
    sent: list[int] = []
    retries: list[tuple[int, float, str]] = []
    dead: list[tuple[int, str]] = []
    bad_tokens: list[str] = []
    for row, outcome in zip(rows, outcomes, strict=True):
        error = outcome.error or "unknown error"
        if outcome.ok:
            sent.append(row.id)
        elif outcome.token_invalid:
            dead.append((row.id, error))
            bad_tokens.append(row.fcm_token)
        elif row.attempts >= settings.push_max_attempts:
            dead.append((row.id, error))
        else:
            retries.append((row.id, backoff_s(row.attempts, settings), error))

    def mark(conn: db.Connection) -> int:
        push_outbox.mark_sent(conn, sent)
        push_outbox.mark_retry(conn, retries)
        push_outbox.mark_dead(conn, dead)
        return push_outbox.forget_tokens(conn, bad_tokens)

    summary["tokens_removed"] += db.run(mark, transaction=True)
    metrics.pushes(sent=len(sent), failed=len(retries), dead=len(dead))
    summary["sent"] += len(sent)
    summary["retried"] += len(retries)
    summary["dead"] += len(dead)
