"""The durable job queue's SQL, shared by every queue table (``push_outbox``, ``media_jobs``).

A queue table has ``id bigint``, ``status`` (``pending`` | ``sent`` | ``dead``), ``attempts``,
``next_attempt_at``, ``last_error`` and ``sent_at``; a row is written in the same transaction as
the change that needs the work done. Workers claim due rows with a lease (``FOR UPDATE SKIP
LOCKED``, attempt counted and ``next_attempt_at`` moved past the lease in one committed statement),
then mark them sent, due again after a backoff, or dead. A worker that dies leaves its rows to be
claimed again when the lease runs out: at least once.

Table names come only from ``QUEUES`` (never from input) and are quoted as identifiers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from psycopg import sql

from shared.core.db import Connection
from shared.core.sql import execute, fetch_all

R = TypeVar("R")

QUEUES = frozenset({"push_outbox", "media_jobs"})

# MATERIALIZED keeps the locking subquery evaluated exactly once.
_CLAIM_DUE = """
WITH due AS MATERIALIZED (
    SELECT id
      FROM {table}
     WHERE status = 'pending' AND next_attempt_at <= now() AND attempts < %(max_attempts)s
     ORDER BY next_attempt_at
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
)
UPDATE {table} o
   SET attempts = o.attempts + 1,
       next_attempt_at = now() + make_interval(secs => %(lease_s)s)
  FROM due
 WHERE o.id = due.id
RETURNING o.*
"""

# Rows whose last allowed attempt was claimed but never marked (the worker died): give up.
_GIVE_UP_ABANDONED = """
UPDATE {table}
   SET status = 'dead', last_error = coalesce(last_error || '; ', '') || 'dispatcher did not finish the last attempt'
 WHERE status = 'pending' AND next_attempt_at <= now() AND attempts >= %(max_attempts)s
RETURNING *
"""

_MARK_SENT = """
UPDATE {table} SET status = 'sent', sent_at = now(), last_error = NULL
 WHERE id = ANY(%(ids)s) AND status = 'pending'
"""

_MARK_RETRY = """
UPDATE {table} o
   SET next_attempt_at = now() + make_interval(secs => f.delay_s), last_error = f.error
  FROM unnest(%(ids)s::bigint[], %(delays)s::float8[], %(errors)s::text[]) AS f(id, delay_s, error)
 WHERE o.id = f.id AND o.status = 'pending'
"""

_MARK_DEAD = """
UPDATE {table} o
   SET status = 'dead', last_error = f.error
  FROM unnest(%(ids)s::bigint[], %(errors)s::text[]) AS f(id, error)
 WHERE o.id = f.id AND o.status = 'pending'
"""

# Sent and dead rows, once old: a pending row is never trimmed, however old.
_TRIM_DONE = """
DELETE FROM {table}
 WHERE id IN (SELECT id FROM {table} WHERE status <> 'pending' AND created_at < now() - %(retention)s::interval
               LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""


def _q(template: str, table: str) -> sql.Composed:
    if table not in QUEUES:
        raise ValueError(f"not a job queue: {table}")
    return sql.SQL(template).format(table=sql.Identifier(table))


def claim_due(
    conn: Connection, table: str, row_type: type[R], *, limit: int, lease_s: int, max_attempts: int
) -> list[R]:
    """Lease up to ``limit`` due rows (one statement, committed on return); whole rows back, as
    ``row_type`` (a ``Record`` with every column of the table)."""
    return fetch_all(conn, row_type, _q(_CLAIM_DUE, table), limit=limit, lease_s=lease_s, max_attempts=max_attempts)


def give_up_abandoned(conn: Connection, table: str, row_type: type[R], *, max_attempts: int) -> list[R]:
    """Mark dead the rows whose last attempt never finished; returns them."""
    return fetch_all(conn, row_type, _q(_GIVE_UP_ABANDONED, table), max_attempts=max_attempts)


def mark_sent(conn: Connection, table: str, ids: list[int]) -> None:
    if ids:
        execute(conn, _q(_MARK_SENT, table), ids=ids)


def mark_retry(conn: Connection, table: str, retries: list[tuple[int, float, str]]) -> None:
    """(id, delay in seconds, error) for each row to try again later."""
    if retries:
        ids, delays, errors = (list(col) for col in zip(*retries, strict=True))
        execute(conn, _q(_MARK_RETRY, table), ids=ids, delays=delays, errors=errors)


def mark_dead(conn: Connection, table: str, dead: list[tuple[int, str]]) -> None:
    """(id, error) for each row never to try again."""
    if dead:
        ids, errors = (list(col) for col in zip(*dead, strict=True))
        execute(conn, _q(_MARK_DEAD, table), ids=ids, errors=errors)


def trim_done(conn: Connection, table: str, retention: timedelta, batch: int) -> int:
    return execute(conn, _q(_TRIM_DONE, table), retention=retention, batch=batch)
