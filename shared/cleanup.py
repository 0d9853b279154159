"""The scheduled cleanup: ends expired sessions in batches (recording why), then trims session
history, login attempts, delivered pushes and remembered Telegram update ids past their retention.
Each batch is its own short transaction and skips rows another run holds, so two runs at once never
end a session twice or block each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from shared.auth import attempts_sql as login_attempts
from shared.auth import sessions_sql as repo
from shared.channels import receive_sql
from shared.core import db
from shared.core import jobs_sql as jobs
from shared.core.observability import logger
from shared.core.settings import get_settings
from shared.core.sql import live_session_params
from shared.push import outbox_sql as push_outbox


def _in_batches(step: Callable[[db.Connection], int], batch: int) -> int:
    total = 0
    while True:
        done = db.run(step, transaction=True)
        total += done
        if done < batch:
            return total


def run() -> dict[str, int]:
    settings = get_settings()
    batch = settings.cleanup_batch_size
    live = live_session_params(settings)
    result = {
        "sessions_expired": _in_batches(
            lambda conn: repo.end_expired_batch(conn, batch=batch, **live),
            batch,
        ),
        "history_trimmed": _in_batches(
            lambda conn: repo.trim_history(conn, timedelta(days=settings.session_history_retention_days), batch), batch
        ),
        "login_attempts_trimmed": _in_batches(
            lambda conn: login_attempts.trim(conn, timedelta(days=settings.login_attempts_retention_days), batch), batch
        ),
        "push_outbox_trimmed": _in_batches(
            lambda conn: push_outbox.trim_done(conn, timedelta(days=settings.push_outbox_retention_days), batch), batch
        ),
        "media_jobs_trimmed": _in_batches(  # done or dead downloads (the attachment keeps the outcome)
            lambda conn: jobs.trim_done(conn, "media_jobs", timedelta(days=settings.media_jobs_retention_days), batch),
            batch,
        ),
        "telegram_updates_trimmed": _in_batches(
            lambda conn: receive_sql.trim(conn, timedelta(days=settings.telegram_updates_retention_days), batch),
            batch,
        ),
    }
    logger.info("cleanup done", extra=result)
    return result
