"""Login throttling, stored in PostgreSQL: too many failures for one account (since its last
success) or from one source IP within the window, and further attempts get 429 with Retry-After
until the window lets them through again. Throttled attempts are not recorded, so waiting works."""

from __future__ import annotations

import math
from datetime import timedelta

from shared.auth import attempts_sql as login_attempts
from shared.core import db
from shared.core.errors import RateLimited
from shared.core.observability import logger
from shared.core.settings import get_settings


def login_key(login: str) -> str:
    return login.strip().lower()


def check(login: str, source_ip: str) -> None:
    """Raise RateLimited when this account or this source IP has failed too often lately."""
    settings = get_settings()
    row = db.run(
        lambda conn: login_attempts.waits(
            conn,
            login_key(login),
            source_ip,
            window=timedelta(seconds=settings.login_window_seconds),
            account_limit=settings.login_max_failures_per_account,
            ip_limit=settings.login_max_failures_per_ip,
        )
    )
    waits = [w for w in (row.account_wait, row.ip_wait) if w is not None and w > timedelta(0)]
    if waits:
        retry_after = math.ceil(max(waits).total_seconds())
        logger.info("login throttled", extra={"retry_after_s": retry_after, "by_ip": row.ip_wait in waits})
        raise RateLimited(retry_after)


def record(login: str, source_ip: str, *, succeeded: bool) -> None:
    """A success also resets the account's count (failures count from the last success)."""
    db.run(lambda conn: login_attempts.record(conn, login_key(login), source_ip, succeeded=succeeded))
