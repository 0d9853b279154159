"""Login attempts, for throttling per account and per source IP."""

from datetime import timedelta

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_one


class AddressRow(Record):
    """How long until the address's limit lets an attempt through (None when under it), and the
    attempt recorded for it (None when throttled: a throttled attempt is not recorded)."""

    ip_wait: timedelta | None
    attempt_id: int | None


class AccountRow(Record):
    account_wait: timedelta | None


# Attempts on one key take their turn: a transaction-level lock, held to COMMIT. A statement's
# snapshot is taken before it waits, so what the lock guards is read by the next statement.
LOCK = """
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))
"""

# After LOCK on the address: how long until its limit lets an attempt through (the limit-th most
# recent failure leaving the window; NULL when under the limit) and, when under it, the attempt
# recorded as a failure of no account yet (an attempt in flight counts against its address).
ADDRESS = """
WITH waits AS (
    SELECT (SELECT f.created_at FROM login_attempts f
             WHERE f.source_ip = %(source_ip)s AND NOT f.succeeded
               AND f.created_at > now() - %(window)s::interval
             ORDER BY f.created_at DESC OFFSET %(ip_limit)s - 1 LIMIT 1)
           + %(window)s::interval - now() AS ip_wait
), recorded AS (
    INSERT INTO login_attempts (login_key, source_ip, succeeded)
    SELECT '', %(source_ip)s, false FROM waits WHERE ip_wait IS NULL OR ip_wait <= interval '0'
    RETURNING id
)
SELECT ip_wait, (SELECT id FROM recorded) AS attempt_id FROM waits
"""

# After LOCK on the account: how long until its limit lets an attempt through; its failures count
# from its last success.
ACCOUNT = """
SELECT (SELECT f.created_at FROM login_attempts f
         WHERE f.login_key = %(login_key)s AND NOT f.succeeded
           AND f.created_at > now() - %(window)s::interval
           AND f.created_at > COALESCE((SELECT max(s.created_at) FROM login_attempts s
                                         WHERE s.login_key = %(login_key)s AND s.succeeded), '-infinity')
         ORDER BY f.created_at DESC OFFSET %(account_limit)s - 1 LIMIT 1)
       + %(window)s::interval - now() AS account_wait
"""

# The attempt's verdict, under its account.
SETTLE = """
UPDATE login_attempts SET login_key = %(login_key)s, succeeded = %(succeeded)s WHERE id = %(id)s
"""

FORGET = """
DELETE FROM login_attempts WHERE id = %(id)s
"""

TRIM = """
DELETE FROM login_attempts
 WHERE id IN (SELECT id FROM login_attempts WHERE created_at < now() - %(retention)s::interval
               LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""


def address(conn: Connection, source_ip: str, *, window: timedelta, ip_limit: int) -> AddressRow:
    """Inside a transaction: take the address's turn, count its failures, record the attempt."""
    execute(conn, LOCK, key=f"ip:{source_ip}")
    row = fetch_one(conn, AddressRow, ADDRESS, source_ip=source_ip, window=window, ip_limit=ip_limit)
    assert row is not None
    return row


def account_wait(conn: Connection, login_key: str, *, window: timedelta, account_limit: int) -> timedelta | None:
    """Inside a transaction: take the account's turn (held until COMMIT); how long it must wait."""
    execute(conn, LOCK, key=f"login:{login_key}")
    row = fetch_one(conn, AccountRow, ACCOUNT, login_key=login_key, window=window, account_limit=account_limit)
    return row.account_wait if row else None


def settle(conn: Connection, attempt_id: int, login_key: str, *, succeeded: bool) -> None:
    execute(conn, SETTLE, id=attempt_id, login_key=login_key, succeeded=succeeded)


def forget(conn: Connection, attempt_id: int) -> None:
    execute(conn, FORGET, id=attempt_id)


def trim(conn: Connection, retention: timedelta, batch: int) -> int:
    return execute(conn, TRIM, retention=retention, batch=batch)
