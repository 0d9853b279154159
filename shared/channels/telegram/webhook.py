"""Telegram updates in our terms: every private message from a person is a ``message`` event for
the shared receive path (``shared.channels.receive``), which stores it in one statement.

A message's kind (text, photo, document, voice, ..., location, contact), its text or caption,
its file (fetched after the webhook answered, by a media job, with its ``file_id``), a location
or a contact (one's own contact gives the client a verified phone). Also: ``edited_message`` is an
``edit`` of the text/caption; ``/start`` is a ``start`` (no appeal; the tenant's welcome text);
``my_chat_member`` keeps reachability. Everything else (polls, dice, service messages, groups and
channels, unknown update kinds, updates the models cannot read) is ``ignored``: answered 200 and
remembered as seen, so Telegram never redelivers it in a loop. A body without an integer
``update_id`` is 400. The client's text is never logged.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from shared.appeals.normalize import e164
from shared.channels.base import Attachment, Contact, FileKind, Inbound, Location
from shared.channels.cleaning import clean, clean_file_name, clean_mime_type
from shared.channels.telegram.models import TelegramFile, TelegramMessage, TelegramUpdate
from shared.core.errors import ApiError, InvalidRequest
from shared.core.observability import logger

BIGINT_MAX = 2**63 - 1
# A GIF comes with both ``animation`` and ``document`` (the same file): animation is looked at first.
MEDIA_KINDS: tuple[FileKind, ...] = (
    "photo", "animation", "document", "voice", "audio", "video", "video_note", "sticker",
)  # fmt: skip
DEFAULT_MIME = {"photo": "image/jpeg", "voice": "audio/ogg", "video_note": "video/mp4", "sticker": "image/webp"}
_START = re.compile(r"^/start(@\w+)?(\s|$)")


def to_inbound(data: Any, region: str) -> list[Inbound]:
    """The update's event (one per update) from the body's JSON value; ``InvalidRequest`` for a
    body that is no update."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise InvalidRequest("The body is not a Telegram update.")
    if not 0 <= update_id <= BIGINT_MAX:
        logger.warning("telegram update ignored: update_id out of range")
        return []
    dedup = str(update_id)
    try:
        update = TelegramUpdate.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"][:2]) for e in exc.errors()})
        logger.warning("telegram update not understood, acknowledged", extra={"update_id": update_id, "fields": fields})
        return [Inbound("ignored", dedup, why="not understood")]
    if update.message is not None:
        return [_message(dedup, update.message, region)]
    if update.edited_message is not None:
        return [_edit(dedup, update.edited_message, region)]
    if update.my_chat_member is not None:
        return [_chat_member(dedup, update)]
    return [Inbound("ignored", dedup, why="kind")]


def _from_client(message: TelegramMessage) -> bool:
    sender = message.from_
    return message.chat.type == "private" and sender is not None and not sender.is_bot and 0 < sender.id <= BIGINT_MAX


def _message(dedup: str, message: TelegramMessage, region: str) -> Inbound:
    if not _from_client(message):
        return Inbound("ignored", dedup, why="not a private message from a person")
    sender = message.from_
    assert sender is not None
    if message.text is not None and _START.match(message.text):
        return Inbound("start", dedup, external_id=str(sender.id))
    content = classify(message, region)
    if content is None:
        return Inbound("ignored", dedup, why="message kind")
    name = clean(" ".join(p for p in (sender.first_name, sender.last_name) if p)) or None
    return Inbound(
        "message",
        dedup,
        external_id=str(sender.id),
        name=name,
        username=clean(sender.username) if sender.username else None,
        message_id=str(message.message_id),
        kind=content.kind,
        text=content.text,
        attachments=content.attachments,
        location=content.location,
        contact=content.contact,
        own_phone=content.own_phone,
    )


def classify(message: TelegramMessage, region: str) -> Inbound | None:
    """What a Telegram message holds (kind, text or caption, file, location, contact) as a partial
    ``Inbound``; None for kinds we don't store."""
    caption = clean(message.caption or "")
    if message.text is not None:
        text = clean(message.text)
        return Inbound("message", "", kind="text", text=text) if text.strip() else None
    for kind in MEDIA_KINDS:
        value = getattr(message, kind)
        if kind == "photo" and value:
            largest = max(enumerate(value), key=lambda p: (p[1].file_size or 0, p[0]))[1]
            return Inbound("message", "", kind="photo", text=caption, attachments=(_file("photo", largest),))
        if kind != "photo" and value is not None:
            return Inbound("message", "", kind=kind, text=caption, attachments=(_file(kind, value),))
    if message.venue is not None or message.location is not None:
        place = message.venue.location if message.venue is not None else message.location
        assert place is not None
        title = clean(message.venue.title or "") or None if message.venue is not None else None
        return Inbound("message", "", kind="location", text=caption,
                       location=Location(place.latitude, place.longitude, title))  # fmt: skip
    if message.contact is not None:
        contact = message.contact
        raw = clean(contact.phone_number)
        try:
            phone: str | None = e164(raw, region)
        except ApiError:
            phone = None
        own = contact.user_id is not None and message.from_ is not None and contact.user_id == message.from_.id
        name = clean(" ".join(p for p in (contact.first_name, contact.last_name) if p)) or None
        return Inbound(
            "message", "", kind="contact", text=caption, contact=Contact(phone or raw or None, name, own),
            own_phone=phone if own else None,
        )  # fmt: skip
    return None


def _file(kind: FileKind, file: TelegramFile) -> Attachment:
    mime = clean_mime_type(file.mime_type) if file.mime_type else DEFAULT_MIME.get(kind)
    name = clean_file_name(file.file_name) if file.file_name else None
    return Attachment(kind, file.file_id, mime, name, file.file_size)


def _edit(dedup: str, message: TelegramMessage, region: str) -> Inbound:
    content = classify(message, region) if _from_client(message) else None
    if content is None or content.kind in ("location", "contact"):  # live locations move; no text to edit
        return Inbound("ignored", dedup, why="edit of no text or caption")
    assert message.from_ is not None
    return Inbound(
        "edit", dedup, external_id=str(message.from_.id), message_id=str(message.message_id), text=content.text
    )


def _chat_member(dedup: str, update: TelegramUpdate) -> Inbound:
    change = update.my_chat_member
    assert change is not None
    reachable = {"kicked": False, "member": True}.get(change.new_chat_member.status)
    if change.chat.type != "private" or reachable is None or not 0 < change.from_.id <= BIGINT_MAX:
        return Inbound("ignored", dedup, why="chat member change")
    return Inbound("reachable" if reachable else "unreachable", dedup, external_id=str(change.from_.id))
