"""MAX's webhook updates in our terms: one ``Update`` per delivery (``update_type`` + payload, as
MAX's Bot API defines it) becomes ``Inbound`` events.

- ``message_created`` in a dialog (``recipient.chat_type == "dialog"``) from a person: a
  ``message``, deduplicated by ``body.mid``. Attachments: ``image`` (kind ``photo``), ``file``
  (``document``), ``audio``, ``video``, ``sticker`` become files to fetch (the payload's URL; a
  video's token, whose file ``GET /videos/{token}`` names), ``location`` and ``contact`` their own
  kinds, a link preview (``share``) is kept as text with its link. A forwarded message (``link``
  of type ``forward``) brings the original's text and files; a reply names the answered ``mid``.
  Group chats, channels and bots are ignored.
- ``message_edited``: an ``edit`` of the message ``body.mid`` (its new text). The edit has the
  message's own mid, so its dedup id adds the update's timestamp: each edit is applied once.
- ``bot_started``: ``start`` (no appeal; the welcome text; reachable again); ``bot_stopped``:
  ``unreachable``. Their dedup ids are the type, the user and the update's timestamp.
- Every other update type: ``ignored``; a body that is not an update: nothing.

Plain dict reading (no pydantic) keeps the webhook's cold start small; no value MAX sends can make
this raise. MAX's timestamps (milliseconds) are only used for dedup ids: a message's time is when
we receive it.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from shared.appeals.normalize import e164
from shared.channels.base import Attachment, Contact, EventType, FileKind, Inbound, InboundKind, Location
from shared.channels.cleaning import clean, clean_file_name, clean_mime_type
from shared.core.errors import ApiError

BIGINT_MAX = 2**63 - 1
FILE_KINDS: dict[str, FileKind] = {
    "image": "photo",
    "file": "document",
    "audio": "audio",
    "video": "video",
    "sticker": "sticker",
}
DEFAULT_MIME: dict[str, str] = {"photo": "image/jpeg", "video": "video/mp4"}
_MID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def parse(data: Any, region: str) -> list[Inbound]:
    """The events of one webhook delivery, from its JSON value (``region``: the tenant's, for a
    shared phone number)."""
    if not isinstance(data, dict) or not isinstance(data.get("update_type"), str):
        return []
    update_type: str = data["update_type"]
    timestamp = _int(data.get("timestamp"))
    if timestamp is None:
        return []
    if update_type == "message_created":
        return [_message(data, region)]
    if update_type == "message_edited":
        return [_edit(data, timestamp, region)]
    if update_type in ("bot_started", "bot_stopped"):
        return _bot(data, update_type, timestamp)
    return [Inbound("ignored", dedup_id=f"{update_type[:40]}:{timestamp}", why="update type")]


def _message(data: dict[str, Any], region: str) -> Inbound:
    message = _dict(data.get("message"))
    body = _dict(message.get("body"))
    mid = _mid(body.get("mid"))
    if mid is None:
        return Inbound("ignored", dedup_id=f"message_created:{data['timestamp']}", why="no message id")
    sender = _person(message)
    if sender is None:
        return Inbound("ignored", dedup_id=mid, why="not a dialog message from a person")
    user_id, name, username = sender
    link = _dict(message.get("link"))
    forwarded = link.get("type") == "forward"
    content = _content(body, user_id, region)
    if content is None and forwarded:  # a bare forward: the original message is the content
        content = _content(_dict(link.get("message")), user_id, region)
    if content is None:
        return Inbound("ignored", dedup_id=mid, why="message kind")
    kind, text, attachments, location, contact = content
    reply_to = _mid(_dict(link.get("message")).get("mid")) if link.get("type") == "reply" else None
    return Inbound(
        "message",
        dedup_id=mid,
        external_id=str(user_id),
        name=name,
        username=username,
        message_id=mid,
        kind=kind,
        text=text,
        attachments=attachments,
        location=location,
        contact=contact,
        own_phone=contact.phone if contact is not None and contact.own else None,
        reply_to=reply_to,
        forwarded=forwarded,
    )


def _edit(data: dict[str, Any], timestamp: int, region: str) -> Inbound:
    message = _dict(data.get("message"))
    body = _dict(message.get("body"))
    mid = _mid(body.get("mid"))
    sender = _person(message)
    dedup_id = f"{mid}:edited:{timestamp}" if mid else f"message_edited:{timestamp}"
    content = _content(body, sender[0], region) if sender is not None and mid is not None else None
    if content is None or sender is None or content[0] in ("location", "contact"):
        return Inbound("ignored", dedup_id=dedup_id, why="edit of no text or caption")
    user_id, name, username = sender
    kind, text = content[0], content[1]
    return Inbound("edit", dedup_id, str(user_id), name, username, message_id=mid, kind=kind, text=text)


def _bot(data: dict[str, Any], update_type: str, timestamp: int) -> list[Inbound]:
    user = _user(_dict(data.get("user")))
    if user is None:
        return [Inbound("ignored", dedup_id=f"{update_type}:{timestamp}", why="no user")]
    user_id, name, username = user
    event: EventType = "unreachable" if update_type == "bot_stopped" else "start"  # start: reachable again too
    return [Inbound(event, f"{update_type}:{user_id}:{timestamp}", str(user_id), name, username)]


Content = tuple[InboundKind, str, tuple[Attachment, ...], Location | None, Contact | None]


def _content(body: dict[str, Any], sender_id: int, region: str) -> Content | None:
    """What a message body becomes: (kind, text, files, location, contact); None when nothing we keep."""
    text = clean(_str(body.get("text")) or "")
    files: list[Attachment] = []
    location: Location | None = None
    contact: Contact | None = None
    shared_link: str | None = None
    for item in _list(body.get("attachments")):
        attachment = _dict(item)
        kind = attachment.get("type")
        if isinstance(kind, str) and kind in FILE_KINDS:
            file = _file(FILE_KINDS[kind], attachment)
            files += [file] if file is not None else []
        elif kind == "location" and location is None:
            location = _location(attachment)
        elif kind == "contact" and contact is None:
            contact = _contact(_dict(attachment.get("payload")), sender_id, region)
        elif kind == "share":
            shared_link = _str(_dict(attachment.get("payload")).get("url"))
    if files:
        return files[0].kind, text, tuple(files), None, None
    if location is not None:
        return "location", text, (), location, None
    if contact is not None:
        return "contact", text, (), None, contact
    if not text.strip() and shared_link:
        text = clean(shared_link)
    return ("text", text, (), None, None) if text.strip() else None


def _file(kind: FileKind, attachment: dict[str, Any]) -> Attachment | None:
    payload = _dict(attachment.get("payload"))
    # a video's payload URL is a player page; its file comes from GET /videos/{token}
    ref = _str(payload.get("token")) if kind == "video" else _str(payload.get("url"))
    if ref is None:
        return None
    name = clean_file_name(_str(attachment.get("filename")))
    guessed = mimetypes.guess_type(name)[0] if name else None
    size = _int(attachment.get("size"))
    return Attachment(
        kind,
        ref=ref,
        mime_type=clean_mime_type(guessed or DEFAULT_MIME.get(kind)),
        file_name=name,
        size=size if size is not None and size >= 0 else None,
    )


def _location(attachment: dict[str, Any]) -> Location | None:
    latitude, longitude = _number(attachment.get("latitude")), _number(attachment.get("longitude"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(latitude, longitude)


def _contact(payload: dict[str, Any], sender_id: int, region: str) -> Contact | None:
    """A shared contact: the vCard's first phone (E.164 when it parses) and name; ``own`` when it is
    the sender's own MAX profile (then the phone is theirs, verified by MAX)."""
    vcf = _str(payload.get("vcf_info")) or ""
    profile = _user(_dict(payload.get("max_info") or payload.get("tam_info")))
    raw = _vcard(vcf, "TEL")
    name = _vcard(vcf, "FN") or (profile[1] if profile else None)
    if not raw and not name:
        return None
    phone: str | None = None
    if raw:
        try:
            phone = e164(raw, region)
        except ApiError:
            phone = raw
    own = profile is not None and profile[0] == sender_id
    return Contact(phone=phone, name=name, own=own and phone is not None and phone.startswith("+"))


def _vcard(vcf: str, prop: str) -> str | None:
    """The value of a vCard property (``TEL;TYPE=cell:+7...`` -> ``+7...``), cleaned, or None."""
    for line in vcf.splitlines():
        head, sep, value = line.partition(":")
        if sep and head.split(";", 1)[0].strip().upper() == prop:
            found = clean(value).strip()
            return found[:200] or None
    return None


def _person(message: dict[str, Any]) -> tuple[int, str | None, str | None] | None:
    """The sender of a dialog message when it is a person: (user id, name, username)."""
    if _dict(message.get("recipient")).get("chat_type") != "dialog":
        return None
    sender = _dict(message.get("sender"))
    return None if sender.get("is_bot") is True else _user(sender)


def _user(user: dict[str, Any]) -> tuple[int, str | None, str | None] | None:
    user_id = _int(user.get("user_id"))
    if user_id is None or not 0 < user_id <= BIGINT_MAX:
        return None
    parts = [p for p in (_str(user.get("first_name")), _str(user.get("last_name"))) if p]
    name = clean(" ".join(parts) if parts else _str(user.get("name")) or "").strip() or None
    username = _str(user.get("username"))
    return user_id, name, clean(username) if username else None


def _mid(value: Any) -> str | None:
    """A message id as MAX writes them (``mid.`` and hex), else None."""
    return value if isinstance(value, str) and _MID.fullmatch(value) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
