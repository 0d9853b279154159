"""VK Callback API deliveries in our terms: one JSON object per POST (``type``, ``event_id``,
``group_id``, ``secret``, ``object``), read as plain dicts (no models: every field is checked where
it is used, and anything unexpected makes the event ``ignored``, never an exception).

- ``message_new`` in a private dialog (``peer_id`` = ``from_id``, below 2000000000): a message with
  its text and attachments: ``photo`` (the largest size), ``doc`` (kind ``document``),
  ``audio_message`` (``voice``), ``video`` (its file when VK gives one, else its link as text),
  ``audio``, ``sticker`` (its largest image), ``wall`` / ``link`` (the link appended to the text),
  ``geo`` (a location). Community chats and our own echoed messages are ignored.
- ``message_edit``: the client's message with that id gets the new text.
- ``message_allow`` / ``message_deny``: the client becomes reachable / unreachable.
- ``confirmation`` is answered by ``shared.channels.vk.channel`` (the tenant's string).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from shared.channels.base import Attachment, FileKind, Inbound, InboundKind, Location
from shared.channels.cleaning import clean, clean_file_name, clean_mime_type

CHAT_PEER_MIN = 2_000_000_000  # peer ids of community chats start here
VK = "https://vk.com"


def parse(data: dict[str, Any]) -> list[Inbound]:
    """The events of one verified delivery (VK sends one event per request)."""
    event_id = data.get("event_id")
    dedup = event_id if isinstance(event_id, str) and event_id else None
    if dedup is None:
        return []  # nothing to remember it by: answered ``ok`` and logged by the caller
    kind = data.get("type")
    obj = data.get("object")
    if not isinstance(obj, dict):
        return [Inbound("ignored", dedup, why="no object")]
    if kind == "message_new":
        message = obj.get("message")
        return [_message(dedup, message) if isinstance(message, dict) else Inbound("ignored", dedup, why="no message")]
    if kind == "message_edit":
        return [_edit(dedup, obj)]
    if kind in ("message_allow", "message_deny"):
        user = _user_id(obj.get("user_id"))
        if user is None:
            return [Inbound("ignored", dedup, why="no user")]
        return [Inbound("reachable" if kind == "message_allow" else "unreachable", dedup, external_id=user)]
    return [Inbound("ignored", dedup, why=f"type {str(kind)[:40]}")]


def _user_id(value: Any) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and 0 < value < CHAT_PEER_MIN else None


def _private_sender(message: dict[str, Any]) -> str | None:
    """The client's id when this is their message in a private dialog with the community."""
    sender = _user_id(message.get("from_id"))
    if sender is None or message.get("peer_id") != message.get("from_id") or message.get("out") == 1:
        return None
    return sender


def _message_id(message: dict[str, Any]) -> str | None:
    value = message.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    value = message.get("conversation_message_id")  # ``id`` is 0 where VK hides it: the dialog's own number
    return f"c{value}" if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _message(dedup: str, message: dict[str, Any]) -> Inbound:
    sender = _private_sender(message)
    if sender is None:
        return Inbound("ignored", dedup, why="not a private message from a person")
    text = clean(message.get("text") or "") if isinstance(message.get("text"), str) else ""
    files: list[Attachment] = []
    links: list[str] = []
    kinds: list[InboundKind] = []
    raw = message.get("attachments")
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            continue
        made, file, link = _attachment(item["type"], item.get(item["type"]))
        if file is not None:
            files.append(file)
        if link:
            links.append(link)
        if made is not None:
            kinds.append(made)
    location = _location(message.get("geo"))
    if location is not None:
        kinds.append("location")
    text = "\n".join(part for part in (text, *links) if part.strip())
    kind: InboundKind = next((k for k in kinds if k != "location"), "location" if location else "text")
    if kind == "text" and not text.strip():
        return Inbound("ignored", dedup, why="message kind")
    reply = message.get("reply_message")
    forwarded = message.get("fwd_messages")
    return Inbound(
        "message",
        dedup,
        external_id=sender,
        message_id=_message_id(message),
        kind=kind,
        text=text,
        attachments=tuple(files),
        location=location,
        reply_to=_message_id(reply) if isinstance(reply, dict) else None,
        forwarded=isinstance(forwarded, list) and bool(forwarded),
    )


def _attachment(kind: str, body: Any) -> tuple[InboundKind | None, Attachment | None, str | None]:
    """(the message kind it makes, the file to fetch, a link to keep as text) of one attachment."""
    if not isinstance(body, dict):
        return None, None, None
    if kind == "photo":
        url = _largest(body.get("sizes"))
        return "photo", _file("photo", url, "image/jpeg", None, None), None
    if kind == "doc":
        title = body.get("title") if isinstance(body.get("title"), str) else None
        ext = body.get("ext") if isinstance(body.get("ext"), str) else ""
        name = title if title and (not ext or title.lower().endswith("." + ext.lower())) else f"{title or 'file'}.{ext}"
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        file = _file("document", _url(body.get("url")), mime, name, _size(body.get("size")))
        return ("document" if file else None), file, None
    if kind == "audio_message":
        return "voice", _file("voice", _url(body.get("link_ogg")), "audio/ogg", None, None), None
    if kind == "audio":
        file = _file("audio", _url(body.get("url")), "audio/mpeg", None, None)
        return ("audio" if file else None), file, None
    if kind == "sticker":
        url = _largest(body.get("images")) or _largest(body.get("images_with_background"))
        return "sticker", _file("sticker", url, "image/png", None, None), None
    if kind == "video":
        return _video(body)
    if kind == "wall":
        return None, None, _owned_link("wall", body, owner_key="from_id")
    if kind == "link":
        return None, None, _url(body.get("url"))
    return None, None, None


def _video(body: dict[str, Any]) -> tuple[InboundKind, Attachment | None, str | None]:
    """A video's largest MP4 when VK gives its files (it rarely does to a community), else its link."""
    sources = body.get("files")
    sources = sources if isinstance(sources, dict) else {}
    mp4 = sorted(((k, v) for k, v in sources.items() if k.startswith("mp4_") and _url(v)), key=_resolution)
    if mp4:
        return "video", _file("video", mp4[-1][1], "video/mp4", None, None), None
    return "video", None, _owned_link("video", body)


def _file(kind: FileKind, url: str | None, mime: str, name: str | None, size: int | None) -> Attachment | None:
    if url is None:
        return None
    return Attachment(kind, url, clean_mime_type(mime), clean_file_name(name), size)


def _largest(sizes: Any) -> str | None:
    """The URL of the largest of VK's sizes (photo ``sizes``, sticker ``images``)."""
    best: tuple[int, str] | None = None
    for size in sizes if isinstance(sizes, list) else []:
        if not isinstance(size, dict):
            continue
        url = _url(size.get("url")) or _url(size.get("src"))
        width, height = size.get("width"), size.get("height")
        area = width * height if isinstance(width, int) and isinstance(height, int) else 0
        if url is not None and (best is None or area >= best[0]):
            best = (area, url)
    return best[1] if best else None


def _resolution(item: tuple[str, Any]) -> int:
    digits = item[0].removeprefix("mp4_")
    return int(digits) if digits.isdigit() else 0


def _url(value: Any) -> str | None:
    return clean(value) if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _owned_link(kind: str, body: dict[str, Any], owner_key: str = "owner_id") -> str | None:
    owner, item = body.get(owner_key, body.get("owner_id")), body.get("id")
    if isinstance(owner, int) and isinstance(item, int):
        return f"{VK}/{kind}{owner}_{item}"
    return None


def _location(geo: Any) -> Location | None:
    if not isinstance(geo, dict) or not isinstance(geo.get("coordinates"), dict):
        return None
    latitude, longitude = geo["coordinates"].get("latitude"), geo["coordinates"].get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)):
        return None
    place = geo.get("place")
    title = place.get("title") if isinstance(place, dict) and isinstance(place.get("title"), str) else None
    return Location(float(latitude), float(longitude), clean(title) if title else None)


def _edit(dedup: str, message: dict[str, Any]) -> Inbound:
    sender = _private_sender(message)
    message_id = _message_id(message)
    text = message.get("text")
    if sender is None or message_id is None or not isinstance(text, str):
        return Inbound("ignored", dedup, why="edit of no client message")
    return Inbound("edit", dedup, external_id=sender, message_id=message_id, text=clean(text))
