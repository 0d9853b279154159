"""The push outbox's SQL: one row per device to notify, written inside the causing transaction.

Services queue through ``shared.push`` (which also kicks the dispatcher after commit); the
dispatcher claims, sends and marks rows with the queries at the end of this module."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.core import jobs_sql as jobs
from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import LIVE_SESSION, LiveSessionParams, execute, fetch_one


class PushJobRow(Record):
    """A push_outbox row (every column: the job queue claims whole rows)."""

    id: int
    tenant_id: UUID
    kind: str
    data: dict[str, Any]
    fcm_token: str
    session_id: UUID | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class AgeRow(Record):
    age_s: float


ENQUEUE = """
INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, session_id)
VALUES (%(tenant_id)s, %(kind)s, %(data)s, %(fcm_token)s, %(session_id)s)
"""


def _fan_out_sql(sessions: LiteralString) -> LiteralString:
    """A fan-out in one statement: a row for each session ``sessions`` picks (``operator_devices``
    as ``d``, always of one tenant) that can receive pushes: it has an FCM token and is live."""
    return (
        """
INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, session_id)
SELECT d.tenant_id, %(kind)s, %(data)s, d.fcm_token, d.id
  FROM operator_devices d"""
        + sessions
        + """
   AND d.fcm_token IS NOT NULL
   AND """
        + LIVE_SESSION
    )


# Every mobile session of the tenant's active operators (but those of one operator).
ENQUEUE_FOR_TENANT_MOBILES = _fan_out_sql("""
  JOIN operators o ON o.id = d.operator_id AND o.is_active
 WHERE d.tenant_id = %(tenant_id)s
   AND d.device_type = 'mobile'
   AND d.operator_id IS DISTINCT FROM %(except_operator_id)s""")

# One operator's other sessions, of any device type.
ENQUEUE_FOR_OPERATOR_SESSIONS = _fan_out_sql("""
 WHERE d.operator_id = %(operator_id)s AND d.tenant_id = %(tenant_id)s
   AND d.id <> %(except_session_id)s""")

# Every mobile session of one active operator of the tenant.
ENQUEUE_FOR_OPERATOR_MOBILES = _fan_out_sql("""
  JOIN operators o ON o.id = d.operator_id AND o.is_active
 WHERE d.tenant_id = %(tenant_id)s
   AND d.operator_id = %(operator_id)s
   AND d.device_type = 'mobile'""")


def fan_out(
    conn: Connection, query: LiteralString, kind: str, data: dict[str, Any], live: LiveSessionParams, **who: UUID | None
) -> int:
    """Run one of the fan-outs above for the sessions ``who`` names (its parameters: ``tenant_id``
    and the others it uses); returns how many rows it queued."""
    return execute(conn, query, kind=kind, data=Jsonb(data), **live, **who)


def enqueue(
    conn: Connection,
    tenant_id: UUID,
    kind: str,
    data: dict[str, Any],
    targets: Iterable[tuple[str, UUID | None]],
) -> int:
    """Queue ``kind`` with ``data`` for every (fcm_token, session_id) target; returns the count."""
    rows = [
        {"tenant_id": tenant_id, "kind": kind, "data": Jsonb(data), "fcm_token": token, "session_id": sid}
        for token, sid in targets
    ]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(ENQUEUE, rows)
    return len(rows)


# --- the dispatcher's side: the job queue's shared queries (shared.core.jobs_sql) on this table ---

TABLE = "push_outbox"

# FCM said these tokens will never work again: no session keeps them.
FORGET_TOKENS = """
UPDATE operator_devices SET fcm_token = NULL WHERE fcm_token = ANY(%(tokens)s)
"""


def claim_due(conn: Connection, *, limit: int, lease_s: int, max_attempts: int) -> list[PushJobRow]:
    """Lease up to ``limit`` due rows for sending (one statement, committed on return)."""
    return jobs.claim_due(conn, TABLE, PushJobRow, limit=limit, lease_s=lease_s, max_attempts=max_attempts)


def give_up_abandoned(conn: Connection, *, max_attempts: int) -> int:
    return len(jobs.give_up_abandoned(conn, TABLE, PushJobRow, max_attempts=max_attempts))


def mark_sent(conn: Connection, ids: list[int]) -> None:
    jobs.mark_sent(conn, TABLE, ids)


def mark_retry(conn: Connection, retries: list[tuple[int, float, str]]) -> None:
    """(id, delay in seconds, error) for each row to try again later."""
    jobs.mark_retry(conn, TABLE, retries)


def mark_dead(conn: Connection, dead: list[tuple[int, str]]) -> None:
    """(id, error) for each row never to try again."""
    jobs.mark_dead(conn, TABLE, dead)


def forget_tokens(conn: Connection, tokens: list[str]) -> int:
    return execute(conn, FORGET_TOKENS, tokens=tokens) if tokens else 0


def trim_done(conn: Connection, retention: timedelta, batch: int) -> int:
    """Sent and dead rows, once old: a pending row is never trimmed, however old."""
    return jobs.trim_done(conn, TABLE, retention, batch)


OLDEST_PENDING_AGE = """
SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age_s
  FROM push_outbox
 WHERE status = 'pending'
"""


def oldest_pending_age_s(conn: Connection) -> float:
    """How long the oldest pending push has waited, in seconds (0 when none is pending)."""
    row = fetch_one(conn, AgeRow, OLDEST_PENDING_AGE)
    return row.age_s if row else 0.0
