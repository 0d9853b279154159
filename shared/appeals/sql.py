"""Appeals and their messages. Every query is scoped by the caller's tenant_id."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.appeals.statuses import KIND_LABELS, AppealStatus, DeliveryStatus
from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_all, fetch_one


class AppealRow(Record):
    """One appeal as the list shows it (``APPEAL_COLUMNS``), its client in plain columns; a row of
    the list also carries its position there (``sort_key``). ``models.appeal_out`` makes it an ``AppealOut``."""

    id: UUID
    status: AppealStatus
    channel: str
    created_at: datetime
    updated_at: datetime
    assigned_operator_id: UUID | None
    preview: str
    closed_at: datetime | None
    last_message_at: datetime | None
    last_message_preview: str | None
    unread_count: int
    client_id: UUID
    client_name: str | None
    client_phone: str | None
    client_reachable: bool
    client_phone_verified: bool
    sort_key: datetime | None = None


class TakenAppealRow(Record):
    """The taken appeal, and whether the take was news."""

    appeal: AppealRow
    newly_taken: bool  # it was unassigned: the take is news for the other operators


def _taken(newly_taken: bool, **appeal: Any) -> TakenAppealRow:
    return TakenAppealRow(AppealRow(**appeal), newly_taken)


class AppealDetailRow(Record):
    """The appeal as the list shows it, what the detail adds to it and to its client, and its
    messages (with their attachments) as JSON."""

    appeal: AppealRow
    normalized: dict[str, Any] | None
    reject_reason: str | None
    resolution: str | None
    client_telegram_id: int | None
    client_channel: str
    client_external_id: str | None
    client_other_appeals: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def _detail(
    *,
    normalized: dict[str, Any] | None,
    reject_reason: str | None,
    resolution: str | None,
    client_telegram_id: int | None,
    client_channel: str,
    client_external_id: str | None,
    client_other_appeals: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    **appeal: Any,
) -> AppealDetailRow:
    return AppealDetailRow(
        AppealRow(**appeal),
        normalized,
        reject_reason,
        resolution,
        client_telegram_id,
        client_channel,
        client_external_id,
        client_other_appeals,
        messages,
    )


class AppealStateRow(Record):
    status: AppealStatus
    assigned_operator_id: UUID | None


class LockedAppealRow(Record):
    """The appeal locked for a change, with what normalizing and sending need to know."""

    id: UUID
    status: AppealStatus
    assigned_operator_id: UUID | None
    client_id: UUID
    channel: str
    external_id: str | None  # the client's id on the channel
    reachable: bool
    phone_region: str
    slug: str
    token_ref: str | None  # the tenant's token on the channel (a reference)
    settings: dict[str, Any] | None  # and what else the channel needs (VK: group_id)


class NormalizedRow(Record):
    normalized: dict[str, Any]


class MessageRow(Record):
    """An operator's message (an answer, a promo or a note) and its delivery state (``MESSAGE_COLUMNS``)."""

    id: UUID
    direction: str
    kind: str
    text: str
    created_at: datetime
    operator_id: UUID | None
    delivery_status: DeliveryStatus
    external_message_id: str | None
    updated_at: datetime


# An appeal as the list shows it (``AppealRow``), from ``appeals a`` and its client ``clients c``:
# the list, one appeal after a change, the take, the reject and the detail all answer with these
# columns. The client in plain columns rather than a JSON object: parsing JSON per row costs more
# than the query. unread_count: the caller's read mark against the appeal's incoming-message
# sequence, one index lookup per row whatever the number of messages.
_APPEAL = """a.id, a.status, a.channel, a.created_at, a.updated_at, a.assigned_operator_id, a.preview,
       a.closed_at, a.last_message_at, a.last_message_preview, {unread} AS unread_count,
       c.id AS client_id, c.name AS client_name, c.phone AS client_phone,
       c.reachable AS client_reachable, c.phone_verified AS client_phone_verified"""
# With the caller's read mark joined (_JOIN_READS)
APPEAL_COLUMNS = _APPEAL.format(unread="a.in_seq - COALESCE(r.read_seq, 0)")
_JOIN_READS = "LEFT JOIN appeal_reads r ON r.appeal_id = a.id AND r.operator_id = %(operator_id)s"
# After UPDATE ... RETURNING, where nothing can be joined to ``a``: the read mark by a subquery
APPEAL_COLUMNS_RETURNED = _APPEAL.format(
    unread="a.in_seq - COALESCE((SELECT r.read_seq FROM appeal_reads r "
    "WHERE r.appeal_id = a.id AND r.operator_id = %(operator_id)s), 0)"
)

# Newest first, keyset-paginated: the page starts strictly after (before_key, before_id) in
# (sort key DESC, id DESC) order, so appeals arriving meanwhile never shift the next page. The sort
# key is created_at (sort=created) or the last activity (sort=activity: the last message, or the
# creation of an appeal without messages). Without a cursor the caller passes ('infinity', max
# uuid): one statement shape per sort, served in list order by appeals_list_idx /
# appeals_activity_idx (or their open-appeals partial twins for the default filter). Fetches
# limit + 1 rows to know whether there is a next page.
_LIST = """
SELECT {columns},
       {sort_key} AS sort_key
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
  {join_reads}
 WHERE a.tenant_id = %(tenant_id)s
   AND ({sort_key}, a.id) < (%(before_key)s::timestamptz, %(before_id)s::uuid)
   AND {status_filter}
   AND CASE %(assigned)s::text
           WHEN 'me' THEN a.assigned_operator_id = %(operator_id)s
           WHEN 'unassigned' THEN a.assigned_operator_id IS NULL
           ELSE true
       END{search}
 ORDER BY {sort_key} DESC, a.id DESC
 LIMIT %(limit)s
"""
SORT_KEYS = {"created": "a.created_at", "activity": "COALESCE(a.last_message_at, a.created_at)"}
# The default filter (the open appeals) written out, so that the planner can walk the open-appeals
# partial index in list order and stop after one page.
_STATUS_FILTERS = {"any": "a.status = ANY(%(statuses)s::text[])", "open": "a.status IN ('new', 'in_progress')"}
# Search (q): appeals whose client's name, username or phone digits, or any of whose messages,
# contain the text, case-insensitively. Each branch is served by a trigram index (ILIKE); the phone
# branch is there only when q looks like a phone number.
_SEARCH = """
   AND a.id IN (SELECT ca.id
                  FROM clients sc
                  JOIN appeals ca ON ca.client_id = sc.id AND ca.tenant_id = sc.tenant_id
                 WHERE sc.tenant_id = %(tenant_id)s
                   AND (sc.name ILIKE %(pattern)s OR sc.username ILIKE %(pattern)s{phone})
                UNION
                SELECT m.appeal_id FROM appeal_messages m
                 WHERE m.tenant_id = %(tenant_id)s AND m.text ILIKE %(pattern)s)"""
PHONE_MATCH = "\n                        OR regexp_replace(COALESCE(sc.phone, ''), '[^0-9]', '', 'g') LIKE %(digits)s"
LIST_QUERIES = {
    (sort, status, search): _LIST.format(
        columns=APPEAL_COLUMNS,
        join_reads=_JOIN_READS,
        sort_key=SORT_KEYS[sort],
        status_filter=_STATUS_FILTERS[status],
        search={"none": "", "text": _SEARCH.format(phone=""), "phone": _SEARCH.format(phone=PHONE_MATCH)}[search],
    )
    for sort in SORT_KEYS
    for status in _STATUS_FILTERS
    for search in ("none", "text", "phone")
}
_OPEN = frozenset(("new", "in_progress"))

# One appeal as the list shows it, for the caller (after close, release, transfer, read).
APPEAL_OUT = f"""
SELECT {APPEAL_COLUMNS}
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
  {_JOIN_READS}
 WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
"""  # noqa: S608 - only constant column lists go into the text

# The appeal, its client and its messages (oldest first) in one round trip.
DETAIL = f"""
SELECT {APPEAL_COLUMNS},
       a.normalized, a.reject_reason, a.resolution,
       c.telegram_id AS client_telegram_id, c.channel AS client_channel, c.external_id AS client_external_id,
       COALESCE((SELECT json_agg(json_build_object('id', o.id, 'channel', o.channel, 'status', o.status,
                                                   'created_at', o.created_at)
                                 ORDER BY o.created_at DESC, o.id DESC)
                   FROM clients oc
                   JOIN appeals o ON o.client_id = oc.id AND o.tenant_id = oc.tenant_id
                  WHERE oc.tenant_id = a.tenant_id AND oc.phone = c.phone AND oc.id <> c.id), '[]'::json)
           AS client_other_appeals,
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
  {_JOIN_READS}
 WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
"""  # noqa: S608 - only constant column lists go into the text

# Take: one conditional UPDATE. The CTE locks the row first, so ``before`` is the latest committed
# holder (a concurrent taker waits, then sees the winner and updates nothing). No row back means
# not in the tenant, closed/rejected, or held by someone else: STATE tells which.
TAKE = f"""
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
RETURNING {APPEAL_COLUMNS_RETURNED},
       b.assigned_operator_id IS NULL AS newly_taken
"""  # noqa: S608 - only constant column lists go into the text

# Reject: an open appeal, unassigned or held by the caller. Rejecting again as its rejecter is
# idempotent (it may update the reason).
REJECT = f"""
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
RETURNING {APPEAL_COLUMNS_RETURNED}
"""  # noqa: S608 - only constant column lists go into the text

STATE = """
SELECT status, assigned_operator_id FROM appeals WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

# The appeal locked for a change, with what normalizing and sending need to know.
LOCK_FOR_UPDATE = """
SELECT a.id, a.status, a.assigned_operator_id, a.client_id, a.channel, c.external_id, c.reachable,
       t.phone_region, t.slug,
       ca.token_ref, ca.settings
  FROM appeals a
  JOIN clients c ON c.id = a.client_id
  JOIN tenants t ON t.id = a.tenant_id
  LEFT JOIN channel_accounts ca ON ca.tenant_id = a.tenant_id AND ca.channel = a.channel
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

# An operator's message as ``MessageRow`` (from ``appeal_messages``).
MESSAGE_COLUMNS = "id, direction, kind, text, created_at, operator_id, delivery_status, external_message_id, updated_at"

# An outgoing message, recorded before it is sent. With a client_message_id already used on this
# appeal nothing is inserted (the caller then looks at the existing row).
INSERT_OUTGOING = f"""
INSERT INTO appeal_messages
       (tenant_id, appeal_id, direction, kind, text, operator_id, promo_id, delivery_status, client_message_id)
VALUES (%(tenant_id)s, %(appeal_id)s, 'out', %(kind)s, %(text)s, %(operator_id)s, %(promo_id)s, 'pending',
        %(client_message_id)s)
ON CONFLICT (appeal_id, client_message_id) DO NOTHING
RETURNING {MESSAGE_COLUMNS}
"""  # noqa: S608 - only constant column lists go into the text

FIND_BY_CLIENT_MESSAGE_ID = f"""
SELECT {MESSAGE_COLUMNS}
  FROM appeal_messages
 WHERE appeal_id = %(appeal_id)s AND tenant_id = %(tenant_id)s AND client_message_id = %(client_message_id)s
"""  # noqa: S608 - only constant column lists go into the text

# A retry claims a failed message (or one left pending by a sender that died) for sending again;
# only one concurrent retry gets the row back.
CLAIM_FOR_RETRY = f"""
UPDATE appeal_messages
   SET delivery_status = 'pending', updated_at = clock_timestamp()
 WHERE id = %(message_id)s AND tenant_id = %(tenant_id)s
   AND (delivery_status = 'failed'
        OR (delivery_status = 'pending' AND updated_at < clock_timestamp() - %(stale_after)s::interval))
RETURNING {MESSAGE_COLUMNS}
"""  # noqa: S608 - only constant column lists go into the text

MARK_DELIVERY = f"""
UPDATE appeal_messages
   SET delivery_status = %(delivery_status)s, external_message_id = %(external_message_id)s,
       updated_at = clock_timestamp()
 WHERE id = %(message_id)s AND tenant_id = %(tenant_id)s
RETURNING {MESSAGE_COLUMNS}
"""  # noqa: S608 - only constant column lists go into the text

# The activity an inserted message brings to its appeal: last_message_at/preview follow every
# client or operator message (not notes), and the client's messages advance in_seq (the unread
# counter). Every repo function that inserts a message calls ``record_activity`` in the same
# transaction. A preview may be given for messages whose text is not what the list should show.
RECORD_ACTIVITY = """
UPDATE appeals a
   SET in_seq = a.in_seq + (m.direction = 'in')::int,
       last_message_at = GREATEST(a.last_message_at, m.created_at),
       last_message_preview = CASE WHEN a.last_message_at > m.created_at THEN a.last_message_preview
                                   ELSE COALESCE(%(preview)s,
                                                 left(regexp_replace(btrim(m.text), '\\s+', ' ', 'g'), 200))
                              END
  FROM appeal_messages m
 WHERE m.id = %(message_id)s AND m.tenant_id = %(tenant_id)s
   AND a.id = m.appeal_id AND a.tenant_id = m.tenant_id
   AND m.direction IN ('in', 'out')
"""


def list_page(
    conn: Connection,
    *,
    tenant_id: UUID,
    operator_id: UUID,
    statuses: Sequence[str],
    assigned: str,
    sort: str,
    before_key: datetime | str,
    before_id: UUID,
    limit: int,
    pattern: str | None = None,
    digits: str | None = None,
) -> list[AppealRow]:
    """A page of the list. ``pattern``: an ILIKE pattern to search for; ``digits``: a LIKE pattern
    over phone digits (only with ``pattern``)."""
    search = "none" if pattern is None else "phone" if digits else "text"
    query = LIST_QUERIES[(sort, "open" if frozenset(statuses) == _OPEN else "any", search)]
    return fetch_all(
        conn,
        AppealRow,
        query,
        tenant_id=tenant_id,
        operator_id=operator_id,
        statuses=list(statuses),
        assigned=assigned,
        before_key=before_key,
        before_id=before_id,
        limit=limit,
        pattern=pattern,
        digits=digits,
    )


def appeal_out(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> AppealRow | None:
    return fetch_one(conn, AppealRow, APPEAL_OUT, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id)


def detail(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> AppealDetailRow | None:
    return fetch_one(conn, _detail, DETAIL, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id)


def take(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> TakenAppealRow | None:
    return fetch_one(conn, _taken, TAKE, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id)


def reject(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID, reason: str | None
) -> AppealRow | None:
    return fetch_one(
        conn, AppealRow, REJECT, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id, reason=reason
    )


def state(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> AppealStateRow | None:
    return fetch_one(conn, AppealStateRow, STATE, tenant_id=tenant_id, appeal_id=appeal_id)


def lock_for_update(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> LockedAppealRow | None:
    return fetch_one(conn, LockedAppealRow, LOCK_FOR_UPDATE, tenant_id=tenant_id, appeal_id=appeal_id)


def assign(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> None:
    execute(conn, ASSIGN, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id)


def normalize(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, values: dict[str, str], clear: Sequence[str]
) -> dict[str, Any]:
    row = fetch_one(
        conn, NormalizedRow, NORMALIZE, tenant_id=tenant_id, appeal_id=appeal_id, set=Jsonb(values), clear=list(clear)
    )
    assert row is not None
    return dict(row.normalized)


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
) -> MessageRow | None:
    message = fetch_one(
        conn,
        MessageRow,
        INSERT_OUTGOING,
        tenant_id=tenant_id,
        appeal_id=appeal_id,
        operator_id=operator_id,
        kind=kind,
        text=text,
        promo_id=promo_id,
        client_message_id=client_message_id,
    )
    if message is not None:  # a file without a caption: its kind's label in the list
        record_activity(conn, tenant_id, message.id, None if text.strip() else KIND_LABELS.get(kind))
    return message


def find_by_client_message_id(
    conn: Connection, tenant_id: UUID, appeal_id: UUID, client_message_id: str
) -> MessageRow | None:
    return fetch_one(
        conn,
        MessageRow,
        FIND_BY_CLIENT_MESSAGE_ID,
        tenant_id=tenant_id,
        appeal_id=appeal_id,
        client_message_id=client_message_id,
    )


def claim_for_retry(conn: Connection, tenant_id: UUID, message_id: UUID, stale_after_s: int) -> MessageRow | None:
    return fetch_one(
        conn,
        MessageRow,
        CLAIM_FOR_RETRY,
        tenant_id=tenant_id,
        message_id=message_id,
        stale_after=f"{stale_after_s} seconds",
    )


def mark_delivery(
    conn: Connection, tenant_id: UUID, message_id: UUID, delivery_status: str, external_message_id: str | None
) -> MessageRow:
    row = fetch_one(
        conn,
        MessageRow,
        MARK_DELIVERY,
        tenant_id=tenant_id,
        message_id=message_id,
        delivery_status=delivery_status,
        external_message_id=external_message_id,
    )
    assert row is not None
    return row


def record_activity(conn: Connection, tenant_id: UUID, message_id: UUID, preview: str | None = None) -> None:
    """Bring the message's appeal up to date (last_message_at/preview, the unread counter); call it
    right after inserting any client or operator message, in the same transaction."""
    execute(conn, RECORD_ACTIVITY, tenant_id=tenant_id, message_id=message_id, preview=preview)
