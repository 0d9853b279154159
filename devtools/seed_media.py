"""Demo data of the second release's incoming kinds: an appeal whose client sent a photo of the
battery's label, a voice message and their own contact, with the files' bytes in the media store
(the local folder under `make run`), so the console and the app show them ready."""

from __future__ import annotations

import math
import struct
import uuid
import zlib
from uuid import UUID

import psycopg

from devtools import datafactory
from shared.media import store as media_store

CLIENT = (700000077, "Pavel", "+79161234567")


def png(width: int = 160, height: int = 96) -> bytes:
    """A small real PNG: a battery-ish green block with a dark terminal stripe."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(b"\x20\x20\x20" if y < 12 and 20 < x < 50 else b"\x2e\xa0\x4f" for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A short tone as 8-bit mono WAV (plays in any browser)."""
    samples = bytes(int(128 + 60 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def load(conn: psycopg.Connection[tuple[object, ...]], tenant_id: UUID) -> None:
    telegram_id, name, phone = CLIENT
    client_id = datafactory.client(
        conn, tenant_id, telegram_id=telegram_id, name=name, phone=phone, phone_verified=True, age_min=8
    )
    contact = {"phone": phone, "name": name, "own": True}
    files = (("photo", "label.png", "image/png", png()), ("voice", None, "audio/wav", wav()))
    _, (photo_id, voice_id, _) = datafactory.appeal(
        conn,
        tenant_id,
        client_id,
        [
            datafactory.Message("in", "Вот этикетка моего аккумулятора", kind="photo", age_min=8),
            datafactory.Message("in", "", kind="voice", age_min=7),
            datafactory.Message("in", "", kind="contact", age_min=6, contact=contact),
        ],
        age_min=8,
        updated_age_min=6,
    )
    store = media_store.store()
    for message_id, (kind, file_name, mime, data) in zip((photo_id, voice_id), files, strict=True):
        attachment_id = uuid.uuid4()
        key = f"{tenant_id}/{attachment_id}"
        store.put(key, data, mime)
        datafactory.attachment(
            conn,
            tenant_id,
            message_id,
            attachment_id=attachment_id,
            kind=kind,
            mime_type=mime,
            file_name=file_name,
            size=len(data),
            storage_key=key,
            file_ref=f"demo-{kind}",
        )
