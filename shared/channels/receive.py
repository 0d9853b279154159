"""The one receive path every channel's webhook takes: find the tenant's account by slug (cached
per container for ``CHANNEL_ACCOUNTS_MAX_AGE_S``, read again when a delivery does not verify
against the cached one, and for a handshake), let the channel verify the delivery (401 for a
wrong secret and for an unknown slug alike, nothing stored), parse it into ``Inbound`` events,
and apply each once.

A client's message is ONE statement (``receive_sql.RECEIVE``: the delivery id, the client per
(tenant, channel, external id), their appeal, the message, its attachments as ``pending`` with a
media job each, the push); a client the platform does not name (VK) is named once, by the
channel, afterwards. Edits, reachability, ``start`` (the tenant's welcome text) and everything
ignored are remembered by their delivery id, so a platform never redelivers in a loop. Values
PostgreSQL cannot store are acknowledged and logged by kind, never the client's text.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from typing import Any

import psycopg

from shared import push
from shared.appeals.normalize import collapse
from shared.appeals.statuses import KIND_LABELS
from shared.channels import accounts, registry
from shared.channels import receive_sql as sql
from shared.channels.base import Account, Channel, ChannelName, DirectReply, Inbound, SendError, WebhookRequest
from shared.core import db, metrics
from shared.core.errors import Unauthorized
from shared.core.observability import logger, mask
from shared.core.settings import get_settings
from shared.core.sql import live_session_params
from shared.media import downloads as media

PREVIEW_CHARS = 200
_UNMATCHABLE = "\x00no-secret-configured\x00"  # an unknown slug is verified against this: same timing


def receive(channel_name: ChannelName, slug: str, headers: Mapping[str, str], body: Any) -> DirectReply | None:
    """Apply one webhook delivery (``body``: its JSON value, as the request guard parsed it); the
    platform's handshake answer when it wants one."""
    channel = registry.get(channel_name)
    request = WebhookRequest({k.lower(): v for k, v in headers.items()}, body)
    account = accounts.cached(channel_name, slug)
    if account is not None and channel.verify(request, account):
        mask([account.secret])
        parsed = channel.parse(request, account)
        if isinstance(parsed, DirectReply):  # a handshake (rare) answers from the account as it is now
            account, parsed = _verified(channel, channel_name, slug, request)
    else:  # not cached, or changed since (a rotated secret): read it again, verify once more
        account, parsed = _verified(channel, channel_name, slug, request)
    if isinstance(parsed, DirectReply):
        logger.info("webhook handshake answered", extra={"channel": channel_name})
        return parsed
    if not parsed:
        logger.warning("webhook delivery not understood, acknowledged", extra={"channel": channel_name})
    for inbound in parsed:
        try:
            _apply(channel, account, inbound)
        except (psycopg.DataError, psycopg.IntegrityError, UnicodeError) as exc:
            # Nothing about it can be stored as sent: remember it as seen, say why, not what.
            logger.error(
                "webhook event not storable, acknowledged",
                extra={"channel": channel_name, "update_id": inbound.dedup_id, "error": type(exc).__name__},
            )
            _record(account, inbound.dedup_id)
    return None


def _verified(
    channel: Channel, channel_name: ChannelName, slug: str, request: WebhookRequest
) -> tuple[Account, list[Inbound] | DirectReply]:
    """The account read afresh (and cached) and the delivery parsed, or 401 when it does not verify."""
    account = db.run(lambda conn: accounts.find(conn, channel_name, slug))
    if account is not None:
        mask([account.secret])
    nobody = Account(uuid.UUID(int=0), slug, channel_name, _UNMATCHABLE, None)
    verified = channel.verify(request, account if account is not None and account.secret else nobody)
    if not verified or account is None or not account.secret:
        logger.info("webhook refused", extra={"channel": channel_name, "known_tenant": account is not None})
        metrics.webhook_rejected()
        raise Unauthorized()
    accounts.remember(account)
    return account, channel.parse(request, account)


def same_secret(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a delivery's secret with the account's (for the channels)."""
    return hmac.compare_digest((sent or "").encode(), (expected or _UNMATCHABLE).encode()) and bool(expected)


def _record(account: Account, dedup_id: str) -> bool:
    return db.run(lambda conn: sql.record(conn, account.tenant_id, account.channel, dedup_id))


def _apply(channel: Channel, account: Account, inbound: Inbound) -> None:
    log = {"channel": account.channel, "update_id": inbound.dedup_id}
    if inbound.event == "message":
        _message(channel, account, inbound)
    elif inbound.event == "edit" and inbound.external_id and inbound.message_id:
        external_id, message_id = inbound.external_id, inbound.message_id

        def edit(conn: db.Connection) -> int | None:
            if not sql.record(conn, account.tenant_id, account.channel, inbound.dedup_id):
                return None
            return sql.edit_message(conn, account.tenant_id, account.channel, external_id, message_id, inbound.text)

        edited = db.run(edit, transaction=True)
        logger.info("client message edited", extra={**log, "found": bool(edited)})
    elif inbound.event in ("reachable", "unreachable") and inbound.external_id:
        reachable, external_id = inbound.event == "reachable", inbound.external_id

        def reach(conn: db.Connection) -> int | None:
            if not sql.record(conn, account.tenant_id, account.channel, inbound.dedup_id):
                return None
            return sql.set_reachable(conn, account.tenant_id, account.channel, external_id, reachable)

        changed = db.run(reach, transaction=True)
        logger.info("client reachability", extra={**log, "reachable": reachable, "changed": bool(changed)})
    elif inbound.event == "start" and inbound.external_id:
        _start(channel, account, inbound)
    else:
        _record(account, inbound.dedup_id)
        logger.info("webhook event ignored", extra={**log, "why": inbound.why or inbound.event})


def _message(channel: Channel, account: Account, inbound: Inbound) -> None:
    if not inbound.external_id:
        _record(account, inbound.dedup_id)
        return
    external_id = inbound.external_id
    settings = get_settings()
    text_preview = preview(inbound.text) if inbound.text.strip() else KIND_LABELS.get(inbound.kind, "")
    files = [
        _attachment(account, index, inbound, settings.media_max_bytes) for index in range(len(inbound.attachments))
    ]
    row = db.run(
        lambda conn: sql.receive(
            conn,
            tenant_id=account.tenant_id,
            channel=account.channel,
            update_id=inbound.dedup_id,
            external_id=external_id,
            name=inbound.name,
            username=inbound.username,
            own_phone=inbound.own_phone,
            kind=inbound.kind,
            text=inbound.text,
            preview=text_preview,
            external_message_id=inbound.message_id,
            location=inbound.location.as_json() if inbound.location is not None else None,
            contact=inbound.contact.as_json() if inbound.contact is not None else None,
            files=files,
            reopen_window_hours=settings.reopen_window_hours,
            **live_session_params(settings),
        )
    )
    log = {"channel": account.channel, "update_id": inbound.dedup_id}
    if row is None:
        logger.info("webhook event already processed", extra=log)
        return
    if row.jobs:  # committed (one statement): wake the workers now
        media.kick()
    if row.pushes:
        push.kick()
    metrics.message_in()
    if row.created:
        metrics.appeal_opened()
    logger.info(
        "client message received",
        extra={**log, "appeal_id": str(row.appeal_id), "new_appeal": row.created, "reopened": row.reopened,
               "kind": inbound.kind},
    )  # fmt: skip
    if row.nameless and not settings.telegram_dry_run:
        _name(channel, account, row, external_id)


def _name(channel: Channel, account: Account, row: sql.ReceivedRow, external_id: str) -> None:
    """A client the platform's updates don't name gets their name from the channel, once."""
    name = channel.name_of(account, external_id)
    if name:
        db.run(lambda conn: sql.set_name(conn, account.tenant_id, row.client_id, name))


def _attachment(account: Account, index: int, inbound: Inbound, max_bytes: int) -> sql.NewAttachment:
    """One file of the message as an attachment row: pending (a media job fetches it) or, over the
    limit by the platform's own size, too_large right away."""
    file = inbound.attachments[index]
    attachment_id = uuid.uuid4()
    too_large = file.size is not None and file.size > max_bytes
    return sql.NewAttachment(
        id=attachment_id,
        kind=file.kind,
        mime_type=file.mime_type,
        file_name=file.file_name,
        size=file.size,
        status="too_large" if too_large else "pending",
        ref=file.ref,
        storage_key=f"{account.tenant_id}/{attachment_id}",
    )


def _start(channel: Channel, account: Account, inbound: Inbound) -> None:
    """``start`` opens no appeal; the tenant's welcome text answers it (once per delivery id). It
    also makes a client who had blocked the shop reachable again."""
    assert inbound.external_id is not None
    external_id = inbound.external_id
    log = {"channel": account.channel, "update_id": inbound.dedup_id}

    def work(conn: db.Connection) -> bool:
        if not sql.record(conn, account.tenant_id, account.channel, inbound.dedup_id):
            return False
        sql.set_reachable(conn, account.tenant_id, account.channel, external_id, True)
        return True

    if not db.run(work, transaction=True):
        return
    welcome = (account.welcome_text or "").strip()
    if not welcome:
        logger.info("start: no welcome text", extra=log)
        return
    if get_settings().telegram_dry_run:
        logger.info("TELEGRAM_DRY_RUN: welcome text logged, not sent", extra=log)
        return
    try:
        channel.send_text(account, external_id, welcome, f"welcome:{inbound.dedup_id}")
        logger.info("start answered", extra=log)
    except SendError as exc:  # the delivery is remembered: the platform must not redeliver it for our failure
        logger.warning("start: welcome text not sent", extra={**log, "error": type(exc).__name__})


def preview(text: str) -> str:
    collapsed = collapse(text)
    return collapsed if len(collapsed) <= PREVIEW_CHARS else collapsed[: PREVIEW_CHARS - 1] + "…"
