"""Appeals and their messages. Every query is scoped by the caller's tenant_id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.db import Connection

# Newest first, keyset-paginated: the page starts strictly after (before_created_at, before_id) in
# (created_at DESC, id DESC) order, so appeals arriving meanwhile never shift the next page. Without
# a cursor the caller passes ('infinity', max uuid): one statement shape, served in list order by
# appeals_list_idx (or appeals_open_list_idx for the default filter). Fetches limit + 1 rows to know
# whether there is a next page.
# Plain client columns rather than a JSON object: parsing JSON per row costs more than the query.
_LIST = """
SELECT a.id, a.status, a.channel, a.created_at, a.updated_at, a.assigned_operator_id, a.preview,
       c.id AS client_id, c.name AS client_name, c.phone AS client_phone
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
 WHERE a.tenant_id = %(tenant_id)s
   AND (a.created_at, a.id) < (%(before_created_at)s::timestamptz, %(before_id)s::uuid)
   AND {status_filter}
   AND CASE %(assigned)s::text
           WHEN 'me' THEN a.assigned_operator_id = %(operator_id)s
           WHEN 'unassigned' THEN a.assigned_operator_id IS NULL
           ELSE true
       END
 ORDER BY a.created_at DESC, a.id DESC
 LIMIT %(limit)s
"""
LIST = _LIST.format(status_filter="a.status = ANY(%(statuses)s::text[])")
# The default filter (the open appeals) written out, so that the planner can walk
# appeals_open_list_idx in list order and stop after one page.
LIST_OPEN = _LIST.format(status_filter="a.status IN ('new', 'in_progress')")
_OPEN = frozenset(("new", "in_progress"))

# The appeal, its client and its messages (oldest first) in one round trip.
DETAIL = """
SELECT a.id, a.status, a.channel, a.created_at, a.updated_at, a.assigned_operator_id, a.preview,
       a.normalized, a.reject_reason,
       json_build_object('id', c.id, 'name', c.name, 'phone', c.phone, 'telegram_id', c.telegram_id) AS client,
       COALESCE((SELECT json_agg(json_build_object(
                            'id', m.id, 'direction', m.direction, 'kind', m.kind, 'text', m.text,
                            'created_at', m.created_at, 'operator_id', m.operator_id,
                            'delivery_status', m.delivery_status, 'edited_at', m.edited_at,
                            'location', m.location, 'contact', m.contact,
                            'attachments', COALESCE((
                                SELECT json_agg(json_build_object(
                                           'id', f.id, 'kind', f.kind, 'mime_type', f.mime_type,
                                           'file_name', f.file_name, 'size', f.size, 'status', f.status,
                                           'storage_key', f.storage_key) ORDER BY f.created_at, f.id)
                                  FROM attachments f
                                 WHERE f.message_id = m.id AND f.tenant_id = m.tenant_id), '[]'::json))
                        ORDER BY m.created_at, m.id)
                   FROM appeal_messages m
                  WHERE m.appeal_id = a.id AND m.tenant_id = a.tenant_id), '[]'::json) AS messages
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
 WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
"""

# Take: one conditional UPDATE. The CTE locks the row first, so ``before`` is the latest committed
# holder (a concurrent taker waits, then sees the winner and updates nothing). No row back means
# not in the tenant, closed/rejected, or held by someone else: STATE tells which.
TAKE = """
WITH before AS (
    SELECT id, assigned_operator_id FROM appeals
     WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
       FOR UPDATE
)
UPDATE appeals a
   SET assigned_operator_id = %(operator_id)s,
       status = 'in_progress',
       updated_at = CASE WHEN b.assigned_operator_id IS NULL THEN now() ELSE a.updated_at END
  FROM before b, clients c
 WHERE a.id = b.id
   AND c.id = a.client_id
   AND a.status IN ('new', 'in_progress')
   AND (a.assigned_operator_id IS NULL OR a.assigned_operator_id = %(operator_id)s)
RETURNING a.id, a.status, a.channel, a.created_at, a.updated_at, a.assigned_operator_id, a.preview,
       json_build_object('id', c.id, 'name', c.name, 'phone', c.phone) AS client,
          b.assigned_operator_id IS NULL AS newly_taken
"""

# Reject: an open appeal, unassigned or held by the caller. Rejecting again as its rejecter is
# idempotent (it may update the reason).
REJECT = """
UPDATE appeals a
   SET status = 'rejected',
       assigned_operator_id = %(operator_id)s,
       reject_reason = COALESCE(%(reason)s, a.reject_reason),
       updated_at = CASE WHEN a.status = 'rejected' THEN a.updated_at ELSE now() END
  FROM clients c
 WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
   AND c.id = a.client_id
   AND ((a.status IN ('new', 'in_progress')
         AND (a.assigned_operator_id IS NULL OR a.assigned_operator_id = %(operator_id)s))
        OR (a.status = 'rejected' AND a.assigned_operator_id = %(operator_id)s))
RETURNING a.id, a.status, a.channel, a.created_at, a.updated_at, a.assigned_operator_id, a.preview,
       json_build_object('id', c.id, 'name', c.name, 'phone', c.phone) AS client
"""

STATE = """
SELECT status, assigned_operator_id FROM appeals WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

# The appeal locked for a change, with what normalizing and sending need to know.
LOCK_FOR_UPDATE = """
SELECT a.id, a.status, a.assigned_operator_id, a.client_id, c.telegram_id,
       t.phone_region, t.telegram_bot_token_ref
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
  JOIN tenants t ON t.id = a.tenant_id
 WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
   FOR UPDATE OF a
"""

ASSIGN = """
UPDATE appeals SET assigned_operator_id = %(operator_id)s, status = 'in_progress', updated_at = now()
 WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

# Fields set are merged in, fields cleared are removed; the client's name and phone follow the
# operator's cleaned-up values (the list shows the client record).
NORMALIZE = """
WITH appeal AS (
    UPDATE appeals
       SET normalized = (COALESCE(normalized, '{}'::jsonb) - %(clear)s::text[]) || %(set)s::jsonb,
           updated_at = now()
     WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
 RETURNING client_id, normalized
), client AS (
    UPDATE clients c
       SET name = COALESCE(%(set)s::jsonb ->> 'client_name', c.name),
           phone = COALESCE(%(set)s::jsonb ->> 'phone', c.phone),
           updated_at = now()
      FROM appeal
     WHERE c.id = appeal.client_id AND c.tenant_id = %(tenant_id)s
       AND (%(set)s::jsonb ? 'client_name' OR %(set)s::jsonb ? 'phone')
)
SELECT normalized FROM appeal
"""

# An outgoing message, recorded before it is sent. With a client_message_id already used on this
# appeal nothing is inserted (the caller then looks at the existing row).
INSERT_OUTGOING = """
INSERT INTO appeal_messages
       (tenant_id, appeal_id, direction, kind, text, operator_id, promo_id, delivery_status, client_message_id)
VALUES (%(tenant_id)s, %(appeal_id)s, 'out', %(kind)s, %(text)s, %(operator_id)s, %(promo_id)s, 'pending',
        %(client_message_id)s)
ON CONFLICT (appeal_id, client_message_id) DO NOTHING
RETURNING id, direction, kind, text, created_at, operator_id, delivery_status, telegram_message_id, updated_at
"""

FIND_BY_CLIENT_MESSAGE_ID = """
SELECT id, direction, kind, text, created_at, operator_id, delivery_status, telegram_message_id, updated_at
  FROM appeal_messages
 WHERE appeal_id = %(appeal_id)s AND tenant_id = %(tenant_id)s AND client_message_id = %(client_message_id)s
"""

# A retry claims a failed message (or one left pending by a sender that died) for sending again;
# only one concurrent retry gets the row back.
CLAIM_FOR_RETRY = """
UPDATE appeal_messages
   SET delivery_status = 'pending', updated_at = clock_timestamp()
 WHERE id = %(message_id)s AND tenant_id = %(tenant_id)s
   AND (delivery_status = 'failed'
        OR (delivery_status = 'pending' AND updated_at < clock_timestamp() - %(stale_after)s::interval))
RETURNING id, direction, kind, text, created_at, operator_id, delivery_status, telegram_message_id, updated_at
"""

MARK_DELIVERY = """
UPDATE appeal_messages
   SET delivery_status = %(delivery_status)s, telegram_message_id = %(telegram_message_id)s,
       updated_at = clock_timestamp()
 WHERE id = %(message_id)s AND tenant_id = %(tenant_id)s
RETURNING id, direction, kind, text, created_at, operator_id, delivery_status, telegram_message_id, updated_at
"""


def list_page(
    conn: Connection,
    *,
    tenant_id: UUID,
    operator_id: UUID,
    statuses: Sequence[str],
    assigned: str,
    before_created_at: datetime | str,
    before_id: UUID,
    limit: int,
) -> list[dict[str, Any]]:
    params = {
        "tenant_id": tenant_id,
        "operator_id": operator_id,
        "statuses": list(statuses),
        "assigned": assigned,
        "before_created_at": before_created_at,
        "before_id": before_id,
        "limit": limit,
    }
    query = LIST_OPEN if frozenset(statuses) == _OPEN else LIST
    return [_nest_client(row) for row in conn.execute(query, params).fetchall()]


def _nest_client(row: dict[str, Any]) -> dict[str, Any]:
    row["client"] = {"id": row.pop("client_id"), "name": row.pop("client_name"), "phone": row.pop("client_phone")}
    return row


def detail(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> dict[str, Any] | None:
    return conn.execute(DETAIL, {"tenant_id": tenant_id, "appeal_id": appeal_id}).fetchone()


def take(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> dict[str, Any] | None:
    params = {"tenant_id": tenant_id, "appeal_id": appeal_id, "operator_id": operator_id}
    return conn.execute(TAKE, params).fetchone()


def reject(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID, reason: str | None
) -> dict[str, Any] | None:
    params = {"tenant_id": tenant_id, "appeal_id": appeal_id, "operator_id": operator_id, "reason": reason}
    return conn.execute(REJECT, params).fetchone()


def state(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> dict[str, Any] | None:
    return conn.execute(STATE, {"tenant_id": tenant_id, "appeal_id": appeal_id}).fetchone()


def lock_for_update(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> dict[str, Any] | None:
    return conn.execute(LOCK_FOR_UPDATE, {"tenant_id": tenant_id, "appeal_id": appeal_id}).fetchone()


def assign(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> None:
    conn.execute(ASSIGN, {"tenant_id": tenant_id, "appeal_id": appeal_id, "operator_id": operator_id})


def normalize(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, values: dict[str, str], clear: Sequence[str]
) -> dict[str, Any]:
    params = {"tenant_id": tenant_id, "appeal_id": appeal_id, "set": Jsonb(values), "clear": list(clear)}
    row = conn.execute(NORMALIZE, params).fetchone()
    assert row is not None
    return dict(row["normalized"])


def insert_outgoing(
    conn: Connection,
    *,
    tenant_id: UUID,
    appeal_id: UUID,
    operator_id: UUID,
    kind: str,
    text: str,
    promo_id: UUID | None,
    client_message_id: str | None,
) -> dict[str, Any] | None:
    params = {
        "tenant_id": tenant_id,
        "appeal_id": appeal_id,
        "operator_id": operator_id,
        "kind": kind,
        "text": text,
        "promo_id": promo_id,
        "client_message_id": client_message_id,
    }
    return conn.execute(INSERT_OUTGOING, params).fetchone()


def find_by_client_message_id(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, client_message_id: str
) -> dict[str, Any] | None:
    params = {"tenant_id": tenant_id, "appeal_id": appeal_id, "client_message_id": client_message_id}
    return conn.execute(FIND_BY_CLIENT_MESSAGE_ID, params).fetchone()


def claim_for_retry(conn: Connection, tenant_id: UUID, message_id: UUID, stale_after_s: int) -> dict[str, Any] | None:
    params = {"tenant_id": tenant_id, "message_id": message_id, "stale_after": f"{stale_after_s} seconds"}
    return conn.execute(CLAIM_FOR_RETRY, params).fetchone()


def mark_delivery(
    conn: Connection, tenant_id: UUID, message_id: UUID, delivery_status: str, telegram_message_id: int | None
) -> dict[str, Any]:
    params = {
        "tenant_id": tenant_id,
        "message_id": message_id,
        "delivery_status": delivery_status,
        "telegram_message_id": telegram_message_id,
    }
    row = conn.execute(MARK_DELIVERY, params).fetchone()
    assert row is not None
    return row
