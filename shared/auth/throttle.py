"""Login throttling, stored in PostgreSQL: too many failures for one account (since its last
success) or from one source IP within the window, and further attempts get 429 with Retry-After
until the window lets them through again. Throttled attempts are not recorded, so waiting works.

One account is one key (``login_key``: the login as the account stores it when the login names
one, NFKC of its case-folded text), so no spelling of a login gets fresh tries. ``attempt`` counts
an attempt before its password is checked, each limit under a lock on its key, so the limits are
exact however many attempts arrive at once: the address's turn is short (count, record the attempt
as a failure in flight); the account's lasts until the verdict is recorded, so right passwords
arriving together all get in, one after the other, and wrong ones stop at the limit."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import NoReturn

from shared.auth import attempts_sql as login_attempts
from shared.auth.passwords import Verdict
from shared.core import db
from shared.core.errors import RateLimited
from shared.core.observability import logger
from shared.core.settings import get_settings


def login_key(login: str) -> str:
    """NFKC of the case-folded, trimmed login (``İrina``, ``IRINA`` and ``irina`` are one key)."""
    return unicodedata.normalize("NFKC", login.strip().casefold())


def attempt(login: str, source_ip: str, verify: Callable[[], Verdict]) -> Verdict:
    """Count one attempt from ``source_ip`` for the account named ``login``, then ``verify`` the
    password and record the verdict (a success resets the account's count). 429
    (``RateLimited``) when the address or the account has failed too often lately: ``verify`` is
    not called then."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    key = login_key(login)
    sent = db.run(
        lambda conn: login_attempts.address(
            conn, source_ip, window=window, ip_limit=settings.login_max_failures_per_ip
        ),
        transaction=True,
    )
    if sent.attempt_id is None:
        _throttled(sent.ip_wait, by_ip=True)
    attempt_id = sent.attempt_id
    assert attempt_id is not None

    def judge(conn: db.Connection) -> Verdict | timedelta:
        wait = login_attempts.account_wait(
            conn, key, window=window, account_limit=settings.login_max_failures_per_account
        )
        if wait is not None and wait > timedelta(0):
            login_attempts.forget(conn, attempt_id)
            return wait
        verdict = verify()
        login_attempts.settle(conn, attempt_id, key, succeeded=verdict.ok)
        return verdict

    outcome = db.run(judge, transaction=True)
    if isinstance(outcome, timedelta):
        _throttled(outcome, by_ip=False)
    assert isinstance(outcome, Verdict)
    return outcome


def _throttled(wait: timedelta | None, *, by_ip: bool) -> NoReturn:
    retry_after = max(1, math.ceil(wait.total_seconds())) if wait is not None else 1
    logger.info("login throttled", extra={"retry_after_s": retry_after, "by_ip": by_ip})
    raise RateLimited(retry_after)
