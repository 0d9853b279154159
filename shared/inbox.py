"""Incoming client messages: the Telegram webhook turns a client's text into an appeal.

One transaction per update: the update id (so a repeated delivery changes nothing), the client
(by telegram_id), their open appeal or a new one, the message, and the ``new_appeal`` push rows.
Only private text messages from people do anything; every other update is answered 200 and
ignored, so Telegram stops redelivering it.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from pydantic import ValidationError

from shared import db, metrics
from shared.errors import InvalidRequest, Unauthorized
from shared.models.appeals import TelegramMessage, TelegramUpdate
from shared.observability import logger, mask
from shared.repo import appeals, clients, push_outbox, telegram_updates
from shared.settings import get_settings

PREVIEW_CHARS = 200
_UNMATCHABLE = "\x00no-secret-configured\x00"  # compared against when the slug is unknown: same timing


def receive_telegram(slug: str, secret: str | None, body: str | None) -> None:
    """Check the webhook secret (401 for a wrong one and for an unknown slug alike), then apply
    the update once."""
    mask([secret])
    tenant = db.run(lambda conn: telegram_updates.find_tenant_by_slug(conn, slug))
    expected = (tenant or {}).get("telegram_webhook_secret") or _UNMATCHABLE
    if not hmac.compare_digest((secret or "").encode(), expected.encode()) or tenant is None:
        logger.info("telegram webhook refused", extra={"known_tenant": tenant is not None})
        metrics.webhook_rejected()
        raise Unauthorized()
    try:
        update = TelegramUpdate.model_validate(json.loads(body or "null"))
    except (ValueError, ValidationError) as exc:
        raise InvalidRequest("The body is not a Telegram update.") from exc
    message = update.message
    if not _is_client_text(message):
        logger.info("telegram update ignored", extra={"update_id": update.update_id})
        return
    assert message is not None and message.from_ is not None and message.text is not None
    sender, text = message.from_, message.text
    name = " ".join(p for p in (sender.first_name, sender.last_name) if p) or None

    def work(conn: db.Connection) -> dict[str, Any] | None:
        if not telegram_updates.record(conn, tenant["id"], update.update_id):
            return None
        row = appeals.receive(
            conn,
            tenant_id=tenant["id"],
            telegram_id=sender.id,
            name=name,
            username=sender.username,
            text=text,
            preview=_preview(text),
            telegram_message_id=message.message_id,
            reopen_window_hours=get_settings().reopen_window_hours,
        )
        clients.mark_reachable_by_telegram_id(conn, tenant["id"], sender.id, True)  # writing again: reachable
        _announce(conn, tenant["id"], row, _preview(text))
        return row

    row = db.run(work, transaction=True)
    if row is None:
        logger.info("telegram update already processed", extra={"update_id": update.update_id})
        return
    metrics.message_in()
    if row["created"]:
        metrics.appeal_opened()
    logger.info(
        "client message received",
        extra={
            "update_id": update.update_id,
            "appeal_id": str(row["appeal_id"]),
            "new_appeal": row["created"],
            "reopened": row["reopened"],
        },
    )


def _announce(conn: db.Connection, tenant_id: Any, row: dict[str, Any], preview: str) -> None:
    """A new appeal, or one reopened without a holder: ``new_appeal`` to the tenant's phones; one
    reopened with its holder: ``appeal_message`` to the holder's phones."""
    appeal_id = str(row["appeal_id"])
    if row.get("reopened") and row.get("assigned_operator_id") is not None:
        data = {
            "type": "appeal_message",
            "appeal_id": appeal_id,
            "message_id": str(row["message_id"]),
            "preview": preview,
        }
        push_outbox.enqueue_for_operator_mobiles(conn, tenant_id, row["assigned_operator_id"], "appeal_message", data)
    elif row["created"] or row.get("reopened"):
        data = {"type": "new_appeal", "appeal_id": appeal_id, "preview": preview}
        push_outbox.enqueue_for_tenant_mobiles(conn, tenant_id, "new_appeal", data)


def _is_client_text(message: TelegramMessage | None) -> bool:
    return (
        message is not None
        and message.chat.type == "private"
        and bool(message.text and message.text.strip())
        and message.from_ is not None
        and not message.from_.is_bot
    )


def _preview(text: str) -> str:
    collapsed = " ".join(text.split())
    return collapsed if len(collapsed) <= PREVIEW_CHARS else collapsed[: PREVIEW_CHARS - 1] + "…"
