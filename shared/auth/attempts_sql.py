"""Login attempts, for throttling per account and per source IP."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from shared.core.db import Connection
from shared.core.sql import execute, fetch_one


class WaitsRow(NamedTuple):
    """How long until each limit lets a new attempt through; None when under the limit."""

    account_wait: timedelta | None
    ip_wait: timedelta | None


# How long until each limit lets a new attempt through: the limit-th most recent counted failure
# leaving the window. NULL when under the limit. An account's failures count from its last success.
WAITS = """
SELECT (SELECT f.created_at FROM login_attempts f
         WHERE f.login_key = %(login_key)s AND NOT f.succeeded
           AND f.created_at > now() - %(window)s::interval
           AND f.created_at > COALESCE((SELECT max(s.created_at) FROM login_attempts s
                                         WHERE s.login_key = %(login_key)s AND s.succeeded), '-infinity')
         ORDER BY f.created_at DESC OFFSET %(account_limit)s - 1 LIMIT 1)
       + %(window)s::interval - now() AS account_wait,
       (SELECT f.created_at FROM login_attempts f
         WHERE f.source_ip = %(source_ip)s AND NOT f.succeeded
           AND f.created_at > now() - %(window)s::interval
         ORDER BY f.created_at DESC OFFSET %(ip_limit)s - 1 LIMIT 1)
       + %(window)s::interval - now() AS ip_wait
"""

RECORD = """
INSERT INTO login_attempts (login_key, source_ip, succeeded) VALUES (%(login_key)s, %(source_ip)s, %(succeeded)s)
"""

TRIM = """
DELETE FROM login_attempts
 WHERE id IN (SELECT id FROM login_attempts WHERE created_at < now() - %(retention)s::interval
               LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""


def waits(
    conn: Connection, login_key: str, source_ip: str, *, window: timedelta, account_limit: int, ip_limit: int
) -> WaitsRow:
    row = fetch_one(
        conn,
        WaitsRow,
        WAITS,
        login_key=login_key,
        source_ip=source_ip,
        window=window,
        account_limit=account_limit,
        ip_limit=ip_limit,
    )
    assert row is not None
    return row


def record(conn: Connection, login_key: str, source_ip: str, *, succeeded: bool) -> None:
    execute(conn, RECORD, login_key=login_key, source_ip=source_ip, succeeded=succeeded)


def trim(conn: Connection, retention: timedelta, batch: int) -> int:
    return execute(conn, TRIM, retention=retention, batch=batch)
