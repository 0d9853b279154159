"""One place that writes rows the way the API would have left them: the demo data (devtools/seed.py,
devtools/seed_media.py), the tests' ``Factory`` (tests/helpers.py) and the benchmarks' data
(bench/) all build their tenants, operators, sessions, clients, appeals with their messages and
activity columns, promos and quick replies here. Each builder is one parameterized INSERT and
returns the new row's id; they work on any connection, whatever its row factory. Set-based bulk
generation (generate_series) stays in bench/, and refreshes the activity columns through
``refresh_activity`` below.

Times: ``age_min`` is "this many minutes before now()"; without one a row gets the database's
default (now), and an appeal's messages get the appeal's created_at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from shared.appeals.statuses import KIND_LABELS
from shared.auth import passwords
from shared.auth.sessions import hash_token

Conn = psycopg.Connection[Any]

DELIVERY_STATUS = {"in": "received", "out": "sent", "note": "internal"}  # what a message starts as


def _id(conn: Conn, sql: str, params: dict[str, Any]) -> UUID:
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(sql, params).fetchone()
    assert row is not None
    return UUID(str(row[0]))


# --- tenants and operators ---


def tenant(
    conn: Conn,
    *,
    slug: str,
    name: str | None = None,
    phone_region: str = "RU",
    webhook_secret: str | None = None,
    bot_token_ref: str | None = None,
) -> UUID:
    return _id(
        conn,
        "INSERT INTO tenants (name, slug, phone_region, telegram_webhook_secret, telegram_bot_token_ref) "
        "VALUES (%(name)s, %(slug)s, %(region)s, %(secret)s, %(bot)s) RETURNING id",
        {
            "name": name or f"Shop {slug}",
            "slug": slug,
            "region": phone_region,
            "secret": webhook_secret,
            "bot": bot_token_ref,
        },
    )


def operator(
    conn: Conn,
    tenant_id: UUID,
    *,
    login: str,
    name: str,
    password: str | None = None,
    password_hash: str | None = None,
    is_active: bool = True,
) -> UUID:
    """An operator who signs in with ``password`` (or whose hash is given as it is)."""
    if password_hash is None:
        assert password is not None, "an operator needs a password or a password hash"
        password_hash = passwords.hash_password(password)
    return _id(
        conn,
        "INSERT INTO operators (tenant_id, login, name, password_hash, is_active) "
        "VALUES (%(tenant)s, %(login)s, %(name)s, %(hash)s, %(active)s) RETURNING id",
        {"tenant": tenant_id, "login": login, "name": name, "hash": password_hash, "active": is_active},
    )


SESSION_SQL = (
    "INSERT INTO operator_devices (operator_id, tenant_id, device_type, token_hash, expires_at) "
    "VALUES (%(operator)s, %(tenant)s, %(device)s, %(hash)s, now() + %(ttl)s::interval)"
)
SESSION_WITH_HISTORY_SQL = (
    "WITH d AS (INSERT INTO operator_devices (operator_id, tenant_id, device_type, token_hash, expires_at) "
    "VALUES (%(operator)s, %(tenant)s, %(device)s, %(hash)s, now() + %(ttl)s::interval) "
    "RETURNING id, operator_id, tenant_id, device_type, token_hash, created_at) "
    "INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at) "
    "SELECT * FROM d"
)


def sessions(
    conn: Conn,
    tenant_id: UUID,
    owners: Iterable[tuple[UUID, str]],
    *,
    device_type: str = "mobile",
    ttl: str = "90 days",
    history: bool = True,
) -> None:
    """Signed-in sessions, one per (operator id, session token), as login leaves them (with their
    session_history row unless ``history`` is false)."""
    with conn.cursor() as cur:
        cur.executemany(
            SESSION_WITH_HISTORY_SQL if history else SESSION_SQL,
            [
                {"operator": op, "tenant": tenant_id, "device": device_type, "hash": hash_token(token), "ttl": ttl}
                for op, token in owners
            ],
        )


# --- clients, appeals and their messages ---


def client(
    conn: Conn,
    tenant_id: UUID,
    *,
    telegram_id: int | None,
    name: str | None,
    phone: str | None = None,
    phone_verified: bool = False,
    age_min: float | None = None,
    channel: str = "telegram",
    external_id: str | None = None,  # the client's id on another channel (Telegram's is telegram_id)
) -> UUID:
    return _id(
        conn,
        "INSERT INTO clients (tenant_id, channel, external_id, telegram_id, name, phone, phone_verified, created_at,"
        " updated_at) VALUES (%(tenant)s, %(channel)s, %(external_id)s, %(telegram_id)s, %(name)s, %(phone)s,"
        " %(verified)s, "
        "COALESCE(now() - %(age)s::float8 * interval '1 minute', now()), "
        "COALESCE(now() - %(age)s::float8 * interval '1 minute', now())) RETURNING id",
        {
            "tenant": tenant_id,
            "telegram_id": telegram_id,
            "channel": channel,
            "external_id": external_id,
            "name": name,
            "phone": phone,
            "verified": phone_verified,
            "age": age_min,
        },
    )


@dataclass(frozen=True)
class Message:
    """One message of an appeal: ``direction`` in (from the client), out (by the appeal's holder)
    or note (an internal note by the holder)."""

    direction: str
    text: str
    kind: str = "text"
    age_min: float | None = None  # None: at the appeal's created_at
    contact: dict[str, Any] | None = None


def appeal(
    conn: Conn,
    tenant_id: UUID,
    client_id: UUID,
    messages: Sequence[Message],
    *,
    status: str = "new",
    holder: UUID | None = None,
    preview: str | None = None,
    reject_reason: str | None = None,
    normalized: dict[str, str] | None = None,
    created_at: datetime | str | None = None,
    age_min: float | None = None,
    updated_age_min: float | None = None,
) -> tuple[UUID, list[UUID]]:
    """An appeal with its messages (in the order given, oldest first) and the activity columns
    the API keeps current with them (``refresh_activity``). ``preview`` defaults to the last
    incoming message's (its text, or the label of a file, location or contact without one);
    ``created_at`` (or ``age_min``) defaults to now. Returns the appeal's id and its messages'
    ids."""
    incoming = [m.text or KIND_LABELS.get(m.kind, "") for m in messages if m.direction == "in"]
    appeal_id = _id(
        conn,
        "INSERT INTO appeals (tenant_id, client_id, channel, status, assigned_operator_id, preview, reject_reason,"
        " normalized, created_at, updated_at) VALUES (%(tenant)s, %(client)s,"
        " (SELECT channel FROM clients WHERE id = %(client)s), %(status)s, %(holder)s, %(preview)s, %(reason)s,"
        " %(normalized)s, COALESCE(%(created_at)s::timestamptz, now() - %(age)s::float8 * interval '1 minute',"
        " clock_timestamp()), COALESCE(now() - %(updated_age)s::float8 * interval '1 minute', now())) RETURNING id",
        {
            "tenant": tenant_id,
            "client": client_id,
            "status": status,
            "holder": holder,
            "preview": preview if preview is not None else (incoming[-1] if incoming else ""),
            "reason": reject_reason,
            "normalized": Jsonb(normalized) if normalized else None,
            "created_at": created_at,
            "age": age_min,
            "updated_age": updated_age_min,
        },
    )
    message_ids = [
        _id(
            conn,
            "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, kind, text, contact, operator_id,"
            " delivery_status, created_at, updated_at) SELECT %(tenant)s, a.id, %(direction)s, %(kind)s, %(text)s,"
            " %(contact)s, %(operator)s, %(status)s, COALESCE(now() - %(age)s::float8 * interval '1 minute',"
            " a.created_at), COALESCE(now() - %(age)s::float8 * interval '1 minute', a.created_at)"
            " FROM appeals a WHERE a.id = %(appeal)s RETURNING id",
            {
                "tenant": tenant_id,
                "appeal": appeal_id,
                "direction": m.direction,
                "kind": m.kind,
                "text": m.text,
                "contact": Jsonb(m.contact) if m.contact else None,
                "operator": holder if m.direction != "in" else None,
                "status": DELIVERY_STATUS[m.direction],
                "age": m.age_min,
            },
        )
        for m in messages
    ]
    refresh_activity(conn, appeal_id=appeal_id)
    return appeal_id, message_ids


# What the API keeps current as messages arrive: the unread counter (in_seq: incoming messages so
# far), the activity (last_message_at and its preview: the text, or a label for a file, location or
# contact without one) and closed_at of a closed appeal.
_ACTIVITY = """
UPDATE appeals a
   SET in_seq = m.n_in, last_message_at = m.at, last_message_preview = m.preview,
       closed_at = CASE WHEN a.status = 'closed' THEN a.updated_at END
  FROM (SELECT appeal_id,
               count(*) FILTER (WHERE direction = 'in') AS n_in,
               max(created_at) AS at,
               (array_agg(COALESCE(NULLIF(left(text, 200), ''), %(labels)s::jsonb ->> kind, '')
                          ORDER BY created_at DESC))[1] AS preview
          FROM appeal_messages
         WHERE direction <> 'note' AND appeal_id = %(appeal)s
         GROUP BY appeal_id) m
 WHERE a.id = m.appeal_id
"""
_TENANT_ACTIVITY = _ACTIVITY.replace("appeal_id = %(appeal)s", "tenant_id = %(tenant)s")


def refresh_activity(conn: Conn, *, appeal_id: UUID | None = None, tenant_id: UUID | None = None) -> None:
    """Set the activity columns of one appeal, or of every appeal of a tenant (bulk data), from
    their messages."""
    labels = Jsonb(KIND_LABELS)
    if appeal_id is not None:
        conn.execute(_ACTIVITY, {"appeal": appeal_id, "labels": labels})
    else:
        assert tenant_id is not None, "refresh_activity needs an appeal or a tenant"
        conn.execute(_TENANT_ACTIVITY, {"tenant": tenant_id, "labels": labels})


def read_mark(conn: Conn, tenant_id: UUID, appeal_id: UUID, operator_id: UUID, read_seq: int) -> None:
    """``operator_id`` has read the first ``read_seq`` incoming messages of the appeal."""
    conn.execute(
        "INSERT INTO appeal_reads (tenant_id, appeal_id, operator_id, read_seq) "
        "VALUES (%(tenant)s, %(appeal)s, %(operator)s, %(seq)s)",
        {"tenant": tenant_id, "appeal": appeal_id, "operator": operator_id, "seq": read_seq},
    )


def attachment(
    conn: Conn,
    tenant_id: UUID,
    message_id: UUID,
    *,
    attachment_id: UUID,
    kind: str,
    mime_type: str,
    file_name: str | None,
    size: int,
    storage_key: str,
    file_ref: str,
) -> UUID:
    """A client's file that has been downloaded into the media store (status ready)."""
    return _id(
        conn,
        "INSERT INTO attachments (id, tenant_id, message_id, source, kind, mime_type, file_name, size, status,"
        " file_ref, storage_key) VALUES (%(id)s, %(tenant)s, %(message)s, 'telegram', %(kind)s, %(mime)s,"
        " %(file_name)s, %(size)s, 'ready', %(file_id)s, %(key)s) RETURNING id",
        {
            "id": attachment_id,
            "tenant": tenant_id,
            "message": message_id,
            "kind": kind,
            "mime": mime_type,
            "file_name": file_name,
            "size": size,
            "file_id": file_ref,
            "key": storage_key,
        },
    )


# --- what operators send ---


def promo(conn: Conn, tenant_id: UUID, *, text: str, title: str = "Promo", is_active: bool = True) -> UUID:
    return _id(
        conn,
        "INSERT INTO promos (tenant_id, title, text, is_active) VALUES (%(tenant)s, %(title)s, %(text)s, %(active)s)"
        " RETURNING id",
        {"tenant": tenant_id, "title": title, "text": text, "active": is_active},
    )


def quick_reply(conn: Conn, tenant_id: UUID, *, title: str, text: str) -> UUID:
    return _id(
        conn,
        "INSERT INTO quick_replies (tenant_id, title, text) VALUES (%(tenant)s, %(title)s, %(text)s) RETURNING id",
        {"tenant": tenant_id, "title": title, "text": text},
    )


def channel_account(
    conn: Conn, tenant_id: UUID, channel: str, *, secret: str, token_ref: str | None, settings: dict[str, str]
) -> None:
    """A tenant's VK or MAX account (as the admin tool's set-vk / set-max leave it)."""
    conn.execute(
        "INSERT INTO tenant_channels (tenant_id, channel, secret, token_ref, settings) "
        "VALUES (%(tenant)s, %(channel)s, %(secret)s, %(ref)s, %(settings)s)",
        {"tenant": tenant_id, "channel": channel, "secret": secret, "ref": token_ref, "settings": Jsonb(settings)},
    )
