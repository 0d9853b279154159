"""Incoming client messages: the Telegram webhook turns every private message into an appeal message.

One statement per update (``shared.channels.telegram.webhook_sql.RECEIVE``): the update id (so a repeated delivery
changes nothing), the client (by telegram_id; reachable again), their open appeal, the latest one
reopened (closed less than REOPEN_WINDOW_HOURS ago), or a new one, the message with its kind
(text, photo, document, voice, ..., location, contact) and the appeal's activity (unread counter,
last message and its preview: the text, the caption or a kind label), its attachments as
``pending`` with one media job each (fetched after the webhook answered, ``shared.media.downloads``), and
one push: ``new_appeal`` for a new appeal or one reopened without a holder, ``appeal_message``
(to the holder, or to everyone when nobody holds it) when the client writes again.

Also: ``edited_message`` replaces the stored text/caption; ``/start`` opens nothing and is
answered with the tenant's welcome text; ``my_chat_member`` keeps ``clients.reachable``; a shared
own contact gives the client a verified phone. Everything else (polls, dice, service messages,
groups and channels, unknown update kinds, values PostgreSQL cannot store) is answered 200 and
remembered as seen, so Telegram never redelivers it in a loop. The client's text is never logged.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from pydantic import ValidationError

from shared import push
from shared.appeals.normalize import collapse, e164
from shared.appeals.statuses import KIND_LABELS
from shared.auth import tenants_sql as tenants
from shared.channels.telegram import bot as telegram_bot
from shared.channels.telegram import updates_sql as telegram_updates
from shared.channels.telegram import webhook_sql as repo
from shared.channels.telegram.models import TelegramFile, TelegramMessage, TelegramUpdate
from shared.core import db, metrics
from shared.core.errors import ApiError, InvalidRequest, Unauthorized
from shared.core.observability import logger, mask
from shared.core.settings import get_settings
from shared.media import downloads as media
from shared.media import safety

PREVIEW_CHARS = 200
_UNMATCHABLE = "\x00no-secret-configured\x00"  # compared against when the slug is unknown: same timing
BIGINT_MAX = 2**63 - 1
# A GIF comes with both ``animation`` and ``document`` (the same file): animation is looked at first.
MEDIA_KINDS = ("photo", "animation", "document", "voice", "audio", "video", "video_note", "sticker")
LABELS = KIND_LABELS
DEFAULT_MIME = {"photo": "image/jpeg", "voice": "audio/ogg", "video_note": "video/mp4", "sticker": "image/webp"}
_START = re.compile(r"^/start(@\w+)?(\s|$)")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Content:
    """What one Telegram message becomes: an appeal message of ``kind``."""

    kind: str
    text: str
    file: TelegramFile | None = None
    location: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    own_phone: str | None = None  # the client's own contact, in E.164

    @property
    def preview(self) -> str:
        return preview(self.text) if self.text.strip() else LABELS.get(self.kind, "")


def receive_telegram(slug: str, secret: str | None, body: str | None) -> None:
    """Check the webhook secret (401 for a wrong one and for an unknown slug alike), then apply
    the update once."""
    mask([secret])
    tenant = db.run(lambda conn: tenants.find_by_slug(conn, slug))
    expected = (tenant.telegram_webhook_secret if tenant else None) or _UNMATCHABLE
    if not hmac.compare_digest((secret or "").encode(), expected.encode()) or tenant is None:
        logger.info("telegram webhook refused", extra={"known_tenant": tenant is not None})
        metrics.webhook_rejected()
        raise Unauthorized()
    try:
        data = json.loads(body or "null")
    except ValueError as exc:
        raise InvalidRequest("The body is not a Telegram update.") from exc
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise InvalidRequest("The body is not a Telegram update.")
    if not 0 <= update_id <= BIGINT_MAX:
        logger.warning("telegram update ignored: update_id out of range")
        return
    try:
        update = TelegramUpdate.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"][:2]) for e in exc.errors()})
        logger.warning("telegram update not understood, acknowledged", extra={"update_id": update_id, "fields": fields})
        _acknowledge(tenant, update_id)
        return
    try:
        _apply(tenant, update)
    except (psycopg.DataError, psycopg.IntegrityError, UnicodeError) as exc:
        # Nothing about the update can be stored as sent: remember it as seen, say why, not what.
        logger.error(
            "telegram update not storable, acknowledged", extra={"update_id": update_id, "error": type(exc).__name__}
        )
        _acknowledge(tenant, update_id)


def _acknowledge(tenant: tenants.WebhookTenantRow, update_id: int) -> None:
    db.run(lambda conn: telegram_updates.record(conn, tenant.id, update_id))


def _apply(tenant: tenants.WebhookTenantRow, update: TelegramUpdate) -> None:
    if update.message is not None:
        _message(tenant, update.update_id, update.message)
    elif update.edited_message is not None:
        _edit(tenant, update.update_id, update.edited_message)
    elif update.my_chat_member is not None:
        _chat_member(tenant, update)
    else:
        _ignore(tenant, update.update_id, "kind")


def _ignore(tenant: tenants.WebhookTenantRow, update_id: int, why: str) -> None:
    _acknowledge(tenant, update_id)
    logger.info("telegram update ignored", extra={"update_id": update_id, "why": why})


def _from_client(message: TelegramMessage) -> bool:
    sender = message.from_
    return message.chat.type == "private" and sender is not None and not sender.is_bot and 0 < sender.id <= BIGINT_MAX


def _message(tenant: tenants.WebhookTenantRow, update_id: int, message: TelegramMessage) -> None:
    if not _from_client(message):
        _ignore(tenant, update_id, "not a private message from a person")
        return
    assert message.from_ is not None
    if message.text is not None and _START.match(message.text):
        _start(tenant, update_id, message.chat.id)
        return
    content = classify(message, tenant.phone_region)
    if content is None:
        _ignore(tenant, update_id, "message kind")
        return
    sender = message.from_
    name = clean(" ".join(p for p in (sender.first_name, sender.last_name) if p)) or None
    settings = get_settings()

    row = db.run(
        lambda conn: repo.receive(
            conn,
            tenant_id=tenant.id,
            update_id=update_id,
            telegram_id=sender.id,
            name=name,
            username=clean(sender.username) if sender.username else None,
            own_phone=content.own_phone,
            kind=content.kind,
            text=content.text,
            preview=content.preview,
            telegram_message_id=message.message_id,
            location=content.location,
            contact=content.contact,
            attachment=_attachment(tenant.id, content, settings.media_max_bytes),
            reopen_window_hours=settings.reopen_window_hours,
            idle_mobile=settings.idle_lifetime("mobile"),
            idle_desktop=settings.idle_lifetime("desktop"),
        )
    )
    if row is None:
        logger.info("telegram update already processed", extra={"update_id": update_id})
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
        extra={
            "update_id": update_id,
            "appeal_id": str(row.appeal_id),
            "new_appeal": row.created,
            "reopened": row.reopened,
            "kind": content.kind,
        },
    )


def _attachment(tenant_id: Any, content: Content, max_bytes: int) -> repo.NewAttachment | None:
    """The message's file as an attachment row: pending (a media job fetches it) or, over the
    limit by Telegram's own file_size, too_large right away."""
    file = content.file
    if file is None:
        return None
    attachment_id = uuid.uuid4()
    too_large = file.file_size is not None and file.file_size > max_bytes
    return repo.NewAttachment(
        id=attachment_id,
        mime_type=safety.clean_mime_type(file.mime_type) if file.mime_type else DEFAULT_MIME.get(content.kind),
        file_name=safety.clean_file_name(file.file_name),
        size=file.file_size,
        status="too_large" if too_large else "pending",
        file_id=file.file_id,
        storage_key=f"{tenant_id}/{attachment_id}",
    )


def classify(message: TelegramMessage, region: str) -> Content | None:
    """The appeal message a Telegram message becomes; None for kinds we don't store."""
    caption = clean(message.caption or "")
    if message.text is not None:
        text = clean(message.text)
        return Content("text", text) if text.strip() else None
    for kind in MEDIA_KINDS:
        value = getattr(message, kind)
        if kind == "photo" and value:
            largest = max(enumerate(value), key=lambda p: (p[1].file_size or 0, p[0]))[1]
            return Content("photo", caption, file=largest)
        if kind != "photo" and value is not None:
            return Content(kind, caption, file=value)
    if message.venue is not None or message.location is not None:
        place = message.venue.location if message.venue is not None else message.location
        assert place is not None
        title = clean(message.venue.title or "") or None if message.venue is not None else None
        return Content(
            "location", caption, location={"latitude": place.latitude, "longitude": place.longitude, "title": title}
        )
    if message.contact is not None:
        contact = message.contact
        raw = clean(contact.phone_number)
        try:
            phone: str | None = e164(raw, region)
        except ApiError:
            phone = None
        own = contact.user_id is not None and message.from_ is not None and contact.user_id == message.from_.id
        name = clean(" ".join(p for p in (contact.first_name, contact.last_name) if p)) or None
        return Content(
            "contact",
            caption,
            contact={"phone": phone or raw or None, "name": name, "own": own},
            own_phone=phone if own else None,
        )
    return None


def _edit(tenant: tenants.WebhookTenantRow, update_id: int, message: TelegramMessage) -> None:
    content = classify(message, tenant.phone_region) if _from_client(message) else None
    if content is None or content.kind in ("location", "contact"):  # live locations move; no text to edit
        _ignore(tenant, update_id, "edit of no text or caption")
        return
    assert message.from_ is not None
    sender_id = message.from_.id

    def work(conn: db.Connection) -> int | None:
        if not telegram_updates.record(conn, tenant.id, update_id):
            return None
        return repo.edit_message(conn, tenant.id, sender_id, message.message_id, content.text)

    edited = db.run(work, transaction=True)
    logger.info("client message edited", extra={"update_id": update_id, "found": bool(edited)})


def _chat_member(tenant: tenants.WebhookTenantRow, update: TelegramUpdate) -> None:
    change = update.my_chat_member
    assert change is not None
    status = change.new_chat_member.status
    reachable = {"kicked": False, "member": True}.get(status)
    if change.chat.type != "private" or reachable is None or not 0 < change.from_.id <= BIGINT_MAX:
        _ignore(tenant, update.update_id, "chat member change")
        return

    def work(conn: db.Connection) -> int | None:
        if not telegram_updates.record(conn, tenant.id, update.update_id):
            return None
        return repo.set_reachable(conn, tenant.id, change.from_.id, reachable)

    changed = db.run(work, transaction=True)
    logger.info(
        "client reachability", extra={"update_id": update.update_id, "reachable": reachable, "changed": bool(changed)}
    )


def _start(tenant: tenants.WebhookTenantRow, update_id: int, chat_id: int) -> None:
    """``/start`` opens no appeal; the tenant's welcome text answers it (once per update id)."""
    if not db.run(lambda conn: telegram_updates.record(conn, tenant.id, update_id)):
        return
    welcome = (tenant.welcome_text or "").strip()
    if not welcome:
        logger.info("telegram /start: no welcome text", extra={"update_id": update_id})
        return
    if get_settings().telegram_dry_run:
        logger.info("TELEGRAM_DRY_RUN: welcome text logged, not sent", extra={"update_id": update_id})
        return
    try:
        telegram_bot.send_message(telegram_bot.bot_token(tenant.telegram_bot_token_ref), chat_id, welcome)
        logger.info("telegram /start answered", extra={"update_id": update_id})
    except ApiError as exc:  # the update is remembered: Telegram must not redeliver it for our failure
        logger.warning("telegram /start: welcome text not sent", extra={"update_id": update_id, "error": exc.code})


def clean(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogate halves (replaced by U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def preview(text: str) -> str:
    collapsed = collapse(text)
    return collapsed if len(collapsed) <= PREVIEW_CHARS else collapsed[: PREVIEW_CHARS - 1] + "…"


_preview = preview  # the first release's name
