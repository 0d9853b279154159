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
from psycopg.types.json import Jsonb

from shared import media_store

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
    client = conn.execute(
        "INSERT INTO clients (tenant_id, telegram_id, name, phone, phone_verified, created_at) "
        "VALUES (%s, %s, %s, %s, true, now() - interval '8 minutes') RETURNING id",
        (tenant_id, telegram_id, name, phone),
    ).fetchone()
    assert client is not None
    appeal = conn.execute(
        "INSERT INTO appeals (tenant_id, client_id, preview, created_at, updated_at, in_seq, last_message_at, "
        "last_message_preview) VALUES (%s, %s, '[contact]', now() - interval '8 minutes', "
        "now() - interval '6 minutes', 3, now() - interval '6 minutes', '[contact]') RETURNING id",
        (tenant_id, client[0]),
    ).fetchone()
    assert appeal is not None
    store = media_store.store()
    messages = (
        ("photo", "Вот этикетка моего аккумулятора", ("label.png", "image/png", png())),
        ("voice", "", (None, "audio/wav", wav())),
        ("contact", "", None),
    )
    for minutes, (kind, text, attached) in zip((8, 7, 6), messages, strict=True):
        contact = {"phone": phone, "name": name, "own": True} if kind == "contact" else None
        row = conn.execute(
            "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, kind, text, contact, delivery_status, "
            "created_at, updated_at) VALUES (%s, %s, 'in', %s, %s, %s, 'received', now() - make_interval(mins => %s), "
            "now() - make_interval(mins => %s)) RETURNING id",
            (tenant_id, appeal[0], kind, text, Jsonb(contact) if contact else None, minutes, minutes),
        ).fetchone()
        assert row is not None
        if attached is None:
            continue
        file_name, mime, data = attached
        attachment_id = uuid.uuid4()
        key = f"{tenant_id}/{attachment_id}"
        store.put(key, data, mime)
        conn.execute(
            "INSERT INTO attachments (id, tenant_id, message_id, source, kind, mime_type, file_name, size, status, "
            "telegram_file_id, storage_key) VALUES (%s, %s, %s, 'telegram', %s, %s, %s, %s, 'ready', %s, %s)",
            (attachment_id, tenant_id, row[0], kind, mime, file_name, len(data), f"demo-{kind}", key),
        )
