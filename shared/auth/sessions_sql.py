"""Live sessions (``operator_devices``) and their history (``session_history``)."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.settings import DeviceType, OperatorRole
from shared.core.sql import LIVE_SESSION, execute, fetch_all, fetch_one, jsonb_or_null


class LiveSessionRow(Record):
    """A live token's session with its operator, and the database's clock."""

    id: UUID
    operator_id: UUID
    tenant_id: UUID
    device_type: DeviceType
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime
    is_active: bool
    operator_name: str
    login: str
    role: OperatorRole
    now: datetime
    live: bool


class SessionListRow(Record):
    """One of the operator's live sessions as the list shows it (``SessionListItem``'s shape)."""

    id: UUID
    device_type: DeviceType
    device_info: dict[str, Any] | None
    created_at: datetime
    last_active_at: datetime
    has_push: bool
    current: bool


class EndReasonRow(Record):
    end_reason: str | None


class TouchedRow(Record):
    last_active_at: datetime


class ReplacedSessionRow(Record):
    id: UUID
    fcm_token: str | None
    device_type: DeviceType


class CreatedSessionRow(Record):
    id: UUID
    device_type: DeviceType
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime


class IdRow(Record):
    id: UUID


# One round trip, read-only: the live session with its operator (the token's unique index, then
# the operator's primary key). No writable CTE and no session_history on this path: a live token
# costs about one primary-key lookup; only a token that is not live asks END_REASON why.
VALIDATE = (
    """
SELECT d.id, d.operator_id, d.tenant_id, d.device_type, d.created_at, d.last_active_at, d.expires_at,
       o.is_active, o.name AS operator_name, o.login, o.role, now() AS now, """
    + LIVE_SESSION
    + """ AS live
  FROM operator_devices d
  JOIN operators o ON o.id = d.operator_id AND o.tenant_id = d.tenant_id
 WHERE d.token_hash = %(token_hash)s
"""
)

# Why a token that is not live is dead (no row: it never existed).
END_REASON = """
SELECT end_reason FROM session_history WHERE token_hash = %(token_hash)s
"""

# The refresh of last_active_at, sent only when it is due (at most once per touch interval).
TOUCH = """
UPDATE operator_devices SET last_active_at = now()
 WHERE id = %(id)s AND last_active_at < now() - %(touch)s::interval
RETURNING last_active_at
"""

# Serializes logins of one operator and device type for the rest of the transaction, so that a
# burst of them queue up instead of failing on the unique constraint and retrying.
LOCK_DEVICE_SLOT = """
SELECT pg_advisory_xact_lock(hashtextextended(%(operator_id)s::text || ':' || %(device_type)s, 0))
"""

# Replaces the operator's session of this device type: the old row (if any) is removed and its
# history closed as 'replaced'. A concurrent login of the same kind makes the INSERT fail on the
# UNIQUE(operator_id, device_type, tenant_id) constraint; the caller retries the transaction.
REMOVE_FOR_DEVICE_TYPE = """
WITH gone AS (
    DELETE FROM operator_devices
     WHERE operator_id = %(operator_id)s AND tenant_id = %(tenant_id)s AND device_type = %(device_type)s
 RETURNING id, fcm_token, device_type
), closed AS (
    UPDATE session_history h SET ended_at = now(), end_reason = 'replaced'
      FROM gone WHERE h.id = gone.id AND h.ended_at IS NULL
)
SELECT id, fcm_token, device_type FROM gone
"""

INSERT = """
WITH created AS (
    INSERT INTO operator_devices
           (operator_id, tenant_id, device_type, token_hash, device_id, device_info, expires_at)
    VALUES (%(operator_id)s, %(tenant_id)s, %(device_type)s, %(token_hash)s, %(device_id)s,
            %(device_info)s, now() + %(absolute)s::interval)
 RETURNING id, operator_id, tenant_id, device_type, token_hash, created_at, last_active_at, expires_at
), recorded AS (
    INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at)
    SELECT id, operator_id, tenant_id, device_type, token_hash, created_at FROM created
)
SELECT id, device_type, created_at, last_active_at, expires_at FROM created
"""

# Ends sessions matching a condition, recording why; returns the ended ids.
END_BY_TOKEN = """
WITH gone AS (
    DELETE FROM operator_devices WHERE token_hash = %(token_hash)s RETURNING id
)
UPDATE session_history h SET ended_at = now(), end_reason = %(reason)s
  FROM gone WHERE h.id = gone.id AND h.ended_at IS NULL
RETURNING h.id
"""

# The operator's own sessions: one of them by id, all but one, or all of them.
END_OPERATORS_SESSIONS = """
WITH gone AS (
    DELETE FROM operator_devices
     WHERE operator_id = %(operator_id)s
       AND (%(only_id)s::uuid IS NULL OR id = %(only_id)s::uuid)
       AND (%(except_id)s::uuid IS NULL OR id <> %(except_id)s::uuid)
 RETURNING id
)
UPDATE session_history h SET ended_at = now(), end_reason = %(reason)s
  FROM gone WHERE h.id = gone.id AND h.ended_at IS NULL
RETURNING h.id
"""

LIST_FOR_OPERATOR = (
    """
SELECT d.id, d.device_type, d.device_info, d.created_at, d.last_active_at, d.fcm_token IS NOT NULL AS has_push,
       coalesce(d.id = %(current_id)s, false) AS current
  FROM operator_devices d
 WHERE d.operator_id = %(operator_id)s AND d.tenant_id = %(tenant_id)s
   AND """
    + LIVE_SESSION
    + """
 ORDER BY d.created_at
"""
)

# One batch of expired sessions (idle or absolute), ended as 'expired'. SKIP LOCKED lets two
# cleanups run at once without ending a session twice or waiting on each other.
END_EXPIRED_BATCH = """
WITH doomed AS (
    SELECT id FROM operator_devices
     WHERE expires_at <= now()
        OR (device_type = 'mobile' AND last_active_at <= now() - %(idle_mobile)s::interval)
        OR (device_type = 'desktop' AND last_active_at <= now() - %(idle_desktop)s::interval)
     LIMIT %(batch)s
       FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM operator_devices d USING doomed WHERE d.id = doomed.id RETURNING d.id
)
UPDATE session_history h SET ended_at = now(), end_reason = 'expired'
  FROM gone WHERE h.id = gone.id AND h.ended_at IS NULL
RETURNING h.id
"""

TRIM_HISTORY = """
DELETE FROM session_history
 WHERE id IN (SELECT id FROM session_history WHERE ended_at < now() - %(retention)s::interval
               LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""

# Registrations of one FCM token queue up behind each other instead of racing on its unique index.
LOCK_FCM_TOKEN = """
SELECT pg_advisory_xact_lock(hashtextextended('fcm:' || %(fcm_token)s, 0))
"""

# An FCM token belongs to one session at a time: release it from any other session first
# (a separate statement, so the unique index never sees the token twice).
RELEASE_FCM = """
UPDATE operator_devices SET fcm_token = NULL WHERE fcm_token = %(fcm_token)s AND id <> %(session_id)s
"""

REGISTER_FCM = """
UPDATE operator_devices
   SET fcm_token = %(fcm_token)s,
       device_id = CASE WHEN %(set_device_id)s THEN %(device_id)s ELSE device_id END,
       device_info = CASE WHEN %(set_device_info)s THEN %(device_info)s ELSE device_info END,
       last_active_at = now()
 WHERE id = %(session_id)s AND tenant_id = %(tenant_id)s
RETURNING id
"""


def validate(
    conn: Connection, token_hash: bytes, *, idle_mobile: timedelta, idle_desktop: timedelta
) -> LiveSessionRow | None:
    """The token's session (``live`` says whether it still is) with its operator."""
    return fetch_one(
        conn, LiveSessionRow, VALIDATE, token_hash=token_hash, idle_mobile=idle_mobile, idle_desktop=idle_desktop
    )


def end_reason(conn: Connection, token_hash: bytes) -> str | None:
    row = fetch_one(conn, EndReasonRow, END_REASON, token_hash=token_hash)
    return row.end_reason if row else None


def touch(conn: Connection, session_id: UUID, touch: timedelta) -> datetime | None:
    """Refresh the session's last_active_at if it is older than ``touch``; the new value, if any."""
    row = fetch_one(conn, TouchedRow, TOUCH, id=session_id, touch=touch)
    return row.last_active_at if row else None


def remove_for_device_type(
    conn: Connection, operator_id: UUID, tenant_id: UUID, device_type: str
) -> list[ReplacedSessionRow]:
    execute(conn, LOCK_DEVICE_SLOT, operator_id=operator_id, device_type=device_type)
    return fetch_all(
        conn,
        ReplacedSessionRow,
        REMOVE_FOR_DEVICE_TYPE,
        operator_id=operator_id,
        tenant_id=tenant_id,
        device_type=device_type,
    )


def insert(
    conn: Connection,
    *,
    operator_id: UUID,
    tenant_id: UUID,
    device_type: str,
    token_hash: bytes,
    device_id: str | None,
    device_info: dict[str, Any] | None,
    absolute: timedelta,
) -> CreatedSessionRow:
    row = fetch_one(
        conn,
        CreatedSessionRow,
        INSERT,
        operator_id=operator_id,
        tenant_id=tenant_id,
        device_type=device_type,
        token_hash=token_hash,
        device_id=device_id,
        device_info=jsonb_or_null(device_info),
        absolute=absolute,
    )
    assert row is not None
    return row


def end_by_token(conn: Connection, token_hash: bytes, reason: str) -> bool:
    return fetch_one(conn, IdRow, END_BY_TOKEN, token_hash=token_hash, reason=reason) is not None


def register_fcm(
    conn: Connection,
    *,
    session_id: UUID,
    tenant_id: UUID,
    fcm_token: str,
    device_id: str | None,
    set_device_id: bool,
    device_info: dict[str, Any] | None,
    set_device_info: bool,
) -> bool:
    execute(conn, LOCK_FCM_TOKEN, fcm_token=fcm_token)
    execute(conn, RELEASE_FCM, fcm_token=fcm_token, session_id=session_id)
    row = fetch_one(
        conn,
        IdRow,
        REGISTER_FCM,
        session_id=session_id,
        tenant_id=tenant_id,
        fcm_token=fcm_token,
        device_id=device_id,
        set_device_id=set_device_id,
        device_info=jsonb_or_null(device_info),
        set_device_info=set_device_info,
    )
    return row is not None


def end_operators_sessions(
    conn: Connection,
    operator_id: UUID,
    reason: str,
    *,
    only_id: UUID | None = None,
    except_id: UUID | None = None,
) -> int:
    """End the operator's sessions (just ``only_id``, or all but ``except_id``); returns how many."""
    return execute(
        conn, END_OPERATORS_SESSIONS, operator_id=operator_id, reason=reason, only_id=only_id, except_id=except_id
    )


def list_for_operator(
    conn: Connection,
    operator_id: UUID,
    tenant_id: UUID,
    current_id: UUID | None,
    *,
    idle_mobile: timedelta,
    idle_desktop: timedelta,
) -> list[SessionListRow]:
    return fetch_all(
        conn,
        SessionListRow,
        LIST_FOR_OPERATOR,
        operator_id=operator_id,
        tenant_id=tenant_id,
        current_id=current_id,
        idle_mobile=idle_mobile,
        idle_desktop=idle_desktop,
    )


def end_expired_batch(conn: Connection, *, idle_mobile: timedelta, idle_desktop: timedelta, batch: int) -> int:
    return execute(conn, END_EXPIRED_BATCH, idle_mobile=idle_mobile, idle_desktop=idle_desktop, batch=batch)


def trim_history(conn: Connection, retention: timedelta, batch: int) -> int:
    return execute(conn, TRIM_HISTORY, retention=retention, batch=batch)
