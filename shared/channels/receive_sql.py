"""The shared receive path's writes, for every channel: a client's message with everything it
implies (one statement), the deliveries seen (dedup), edits, reachability, a client's name."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import LIVE_SESSION, execute, fetch_one, jsonb_or_null


class NewAttachment(Record):
    """A file a client's message brings: pending (a media job fetches it) or too_large."""

    id: UUID
    kind: str
    mime_type: str | None
    file_name: str | None
    size: int | None
    status: str
    ref: str  # the platform's file id or URL
    storage_key: str


class ReceivedRow(Record):
    """What recording a client's message did."""

    appeal_id: UUID
    created: bool  # a new appeal
    reopened: bool  # a recently closed appeal opened again
    message_id: UUID
    jobs: int  # media jobs queued
    pushes: int  # pushes queued
    nameless: bool  # the client has no name yet (the channel may look it up: VK's users.get)
    client_id: UUID


# A client's message, in ONE statement (one round trip, atomic without BEGIN/COMMIT): the delivery
# id (nothing else happens for a repeated one: every step hangs off ``seen``), the client by
# (channel, external_id) (reachable again, since they wrote; their own shared contact gives them a
# verified phone when they have none), the appeal the message belongs to, the message, its
# attachments (each pending with a media job, or too_large), and the push.
#
# The appeal: the client's latest appeal reopened when it was closed less than the window ago and
# they have no open one (back to its holder as in_progress, else new); otherwise their open appeal
# or a new one (the partial unique index admits one open appeal per client, so concurrent first
# messages meet in ON CONFLICT). A concurrent message of the same client waits on the client row;
# if the other one reopened the appeal meanwhile, the reopen here re-checks the row, finds it open
# and changes nothing, and the insert meets it in ON CONFLICT (appended).
# The activity (what ``appeals.record_activity`` does for other messages) is written by that same
# reopen/insert/upsert, since one statement may change a row only once: in_seq + 1 (the unread
# counter), last_message_at = the message's created_at, last_message_preview = the preview.
#
# The push, one per message: new_appeal to every live phone of the tenant for a new appeal or one
# reopened without a holder; appeal_message otherwise, to the holder's phones (everyone's when
# nobody holds it). No row back: the delivery was already processed.
RECEIVE = (
    """
WITH seen AS (
    INSERT INTO channel_updates (tenant_id, channel, update_id) VALUES (%(tenant_id)s, %(channel)s, %(update_id)s)
    ON CONFLICT DO NOTHING
 RETURNING tenant_id
), t AS (
    SELECT clock_timestamp() AS at
), client AS (
    INSERT INTO clients (tenant_id, channel, external_id, telegram_id, name, username, phone, phone_verified)
    SELECT seen.tenant_id, %(channel)s, %(external_id)s, %(telegram_id)s, %(name)s, %(username)s, %(own_phone)s::text,
           %(own_phone)s::text IS NOT NULL
      FROM seen
    ON CONFLICT (tenant_id, channel, external_id) DO UPDATE
       SET username = EXCLUDED.username,
           name = COALESCE(clients.name, EXCLUDED.name),
           phone = COALESCE(clients.phone, EXCLUDED.phone),
           phone_verified = clients.phone_verified
                            OR (EXCLUDED.phone IS NOT NULL
                                AND COALESCE(clients.phone, EXCLUDED.phone) = EXCLUDED.phone),
           reachable = true,
           updated_at = now()
 RETURNING id, name IS NULL AS nameless
), reopened AS (
    UPDATE appeals a
       SET status = CASE WHEN a.assigned_operator_id IS NULL THEN 'new' ELSE 'in_progress' END,
           closed_at = NULL, preview = %(preview)s, updated_at = now(),
           in_seq = a.in_seq + 1,
           last_message_at = GREATEST(a.last_message_at, t.at),
           last_message_preview = CASE WHEN a.last_message_at > t.at THEN a.last_message_preview
                                       ELSE %(preview)s END
      FROM client, t
     WHERE a.id = (SELECT l.id FROM appeals l, client c
                    WHERE l.client_id = c.id AND l.tenant_id = %(tenant_id)s
                    ORDER BY l.created_at DESC, l.id DESC LIMIT 1)
       AND a.tenant_id = %(tenant_id)s
       AND a.status = 'closed'
       AND a.closed_at > now() - make_interval(hours => %(window_hours)s)
       AND NOT EXISTS (SELECT 1 FROM appeals o WHERE o.client_id = client.id AND o.status IN ('new', 'in_progress'))
 RETURNING a.id, false AS created, true AS reopened, a.assigned_operator_id
), opened AS (
    INSERT INTO appeals (tenant_id, client_id, channel, preview, in_seq, last_message_at, last_message_preview)
    SELECT %(tenant_id)s, client.id, %(channel)s, %(preview)s, 1, t.at, %(preview)s
      FROM client, t
     WHERE NOT EXISTS (SELECT 1 FROM reopened)
    ON CONFLICT (client_id) WHERE status IN ('new', 'in_progress') DO UPDATE
       SET preview = EXCLUDED.preview, updated_at = now(),
           in_seq = appeals.in_seq + 1,
           last_message_at = GREATEST(appeals.last_message_at, EXCLUDED.last_message_at),
           last_message_preview = CASE WHEN appeals.last_message_at > EXCLUDED.last_message_at
                                       THEN appeals.last_message_preview
                                       ELSE EXCLUDED.last_message_preview END
 RETURNING id, (xmax = 0) AS created, false AS reopened, assigned_operator_id
), appeal AS (
    SELECT * FROM reopened
    UNION ALL
    SELECT * FROM opened
), message AS (
    INSERT INTO appeal_messages
           (tenant_id, appeal_id, direction, kind, text, location, contact, delivery_status, external_message_id,
            created_at)
    SELECT %(tenant_id)s, appeal.id, 'in', %(kind)s, %(text)s, %(location)s, %(contact)s, 'received',
           %(external_message_id)s, t.at
      FROM appeal, t
 RETURNING id
), attachment AS (
    INSERT INTO attachments (id, tenant_id, message_id, source, kind, mime_type, file_name, size, status, file_ref,
                             storage_key)
    SELECT f.id, %(tenant_id)s, message.id, %(channel)s, f.kind, f.mime_type, f.file_name, f.size, f.status, f.ref,
           f.storage_key
      FROM message,
           unnest(%(file_ids)s::uuid[], %(file_kinds)s::text[], %(file_mime_types)s::text[],
                  %(file_names)s::text[], %(file_sizes)s::bigint[], %(file_statuses)s::text[], %(file_refs)s::text[],
                  %(file_keys)s::text[]) AS f(id, kind, mime_type, file_name, size, status, ref, storage_key)
 RETURNING id, status
), job AS (
    INSERT INTO media_jobs (tenant_id, attachment_id)
    SELECT %(tenant_id)s, attachment.id FROM attachment WHERE attachment.status = 'pending'
 RETURNING id
), push AS (
    INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, session_id)
    SELECT d.tenant_id,
           CASE WHEN announce.new_appeal THEN 'new_appeal' ELSE 'appeal_message' END,
           CASE WHEN announce.new_appeal
                THEN jsonb_build_object('type', 'new_appeal', 'appeal_id', appeal.id::text,
                                        'preview', %(preview)s::text)
                ELSE jsonb_build_object('type', 'appeal_message', 'appeal_id', appeal.id::text,
                                        'message_id', message.id::text, 'preview', %(preview)s::text)
           END,
           d.fcm_token, d.id
      FROM appeal
     CROSS JOIN message
     CROSS JOIN LATERAL (SELECT appeal.created OR appeal.assigned_operator_id IS NULL AND appeal.reopened
                                AS new_appeal) announce
      JOIN operator_devices d ON d.tenant_id = %(tenant_id)s
      JOIN operators o ON o.id = d.operator_id AND o.is_active
     WHERE d.device_type = 'mobile'
       AND d.fcm_token IS NOT NULL
       AND """  # noqa: S608 - LIVE_SESSION is a constant: no input is put into the text
    + LIVE_SESSION
    + """
       AND (appeal.assigned_operator_id IS NULL OR d.operator_id = appeal.assigned_operator_id)
 RETURNING id
)
SELECT appeal.id AS appeal_id, appeal.created, appeal.reopened, message.id AS message_id,
       (SELECT count(*) FROM job) AS jobs, (SELECT count(*) FROM push) AS pushes,
       (SELECT nameless FROM client) AS nameless, (SELECT id FROM client) AS client_id
  FROM appeal, message
"""
)

# True the first time a delivery id is seen for the tenant's channel; a repeated one inserts nothing.
RECORD = """
INSERT INTO channel_updates (tenant_id, channel, update_id) VALUES (%(tenant_id)s, %(channel)s, %(update_id)s)
ON CONFLICT DO NOTHING
RETURNING update_id
"""

# Platforms redeliver for at most a day: older ids need not be remembered.
TRIM = """
DELETE FROM channel_updates
 WHERE (tenant_id, channel, update_id) IN (SELECT tenant_id, channel, update_id FROM channel_updates
                                            WHERE received_at < now() - %(retention)s::interval
                                            LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""

# The client's incoming message with that platform id (in any of their appeals).
EDIT_MESSAGE = """
UPDATE appeal_messages m
   SET text = %(text)s, edited_at = now(), updated_at = clock_timestamp()
  FROM appeals a, clients c
 WHERE c.tenant_id = %(tenant_id)s AND c.channel = %(channel)s AND c.external_id = %(external_id)s
   AND a.tenant_id = c.tenant_id AND a.client_id = c.id
   AND m.appeal_id = a.id AND m.tenant_id = a.tenant_id
   AND m.direction = 'in' AND m.external_message_id = %(external_message_id)s
"""

SET_REACHABLE = """
UPDATE clients SET reachable = %(reachable)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND channel = %(channel)s AND external_id = %(external_id)s
   AND reachable IS DISTINCT FROM %(reachable)s
"""

SET_NAME = """
UPDATE clients SET name = %(name)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND id = %(client_id)s AND name IS NULL
"""


def receive(
    conn: Connection,
    *,
    tenant_id: UUID,
    channel: str,
    update_id: str,
    external_id: str,
    name: str | None,
    username: str | None,
    own_phone: str | None,
    kind: str,
    text: str,
    preview: str,
    external_message_id: str | None,
    location: dict[str, Any] | None,
    contact: dict[str, Any] | None,
    files: list[NewAttachment],
    reopen_window_hours: int,
    idle_mobile: timedelta,
    idle_desktop: timedelta,
) -> ReceivedRow | None:
    """Record a client's message (see RECEIVE); None when the delivery was already processed."""
    return fetch_one(
        conn,
        ReceivedRow,
        RECEIVE,
        tenant_id=tenant_id,
        channel=channel,
        update_id=update_id,
        external_id=external_id,
        telegram_id=int(external_id) if channel == "telegram" else None,  # the API's client.telegram_id
        name=name,
        username=username,
        own_phone=own_phone,
        kind=kind,
        text=text,
        preview=preview,
        external_message_id=external_message_id,
        location=jsonb_or_null(location),
        contact=jsonb_or_null(contact),
        file_ids=[f.id for f in files],
        file_kinds=[f.kind for f in files],
        file_mime_types=[f.mime_type for f in files],
        file_names=[f.file_name for f in files],
        file_sizes=[f.size for f in files],
        file_statuses=[f.status for f in files],
        file_refs=[f.ref for f in files],
        file_keys=[f.storage_key for f in files],
        window_hours=reopen_window_hours,
        idle_mobile=idle_mobile,
        idle_desktop=idle_desktop,
    )


def record(conn: Connection, tenant_id: UUID, channel: str, update_id: str) -> bool:
    return execute(conn, RECORD, tenant_id=tenant_id, channel=channel, update_id=update_id) > 0


def trim(conn: Connection, retention: timedelta, batch: int) -> int:
    return execute(conn, TRIM, retention=retention, batch=batch)


def edit_message(
    conn: Connection, tenant_id: UUID, channel: str, external_id: str, external_message_id: str, text: str
) -> int:
    return execute(
        conn,
        EDIT_MESSAGE,
        tenant_id=tenant_id,
        channel=channel,
        external_id=external_id,
        external_message_id=external_message_id,
        text=text,
    )


def set_reachable(conn: Connection, tenant_id: UUID, channel: str, external_id: str, reachable: bool) -> int:
    return execute(
        conn, SET_REACHABLE, tenant_id=tenant_id, channel=channel, external_id=external_id, reachable=reachable
    )


def set_name(conn: Connection, tenant_id: UUID, client_id: UUID, name: str) -> int:
    return execute(conn, SET_NAME, tenant_id=tenant_id, client_id=client_id, name=name)
