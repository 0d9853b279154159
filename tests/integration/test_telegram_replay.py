"""Whole Telegram updates, shaped exactly as the Bot API sends them (tests/fixtures/telegram/, one
per kind, every field Telegram includes, not just those the webhook reads), replayed through the
webhook in the order a conversation would bring them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Api, Factory, Tenant
from tests.integration.test_incoming_kinds import post

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"

# fixture -> (kind, text, attachment (telegram file id, mime type, file name)) of the message it
# becomes; None for an update that stores no message (answered 200 and remembered as seen).
STORED: dict[str, tuple[str, str, tuple[str, str, str | None] | None] | None] = {
    "text": ("text", "Здравствуйте! Аккумулятор 60 Ач для Лады есть? 🚗", None),
    "photo_all_sizes": ("photo", "Вот такой стоит", ("AgACAgIAAxkBAAIBZmdPhoto-y", "image/jpeg", None)),
    "document_pdf": ("document", "Оплатила", ("BQACAgIAAxkBAAIBaGdDoc", "application/pdf", "Счёт №17.pdf")),
    "voice": ("voice", "", ("AwACAgIAAxkBAAIBaWdVoice", "audio/ogg", None)),
    "audio": ("audio", "", ("CQACAgIAAxkBAAIBamdAudio", "audio/mpeg", "engine-noise.mp3")),
    "video": ("video", "Не заводится", ("BAACAgIAAxkBAAIBa2dVideo", "video/quicktime", "IMG_4711.MOV")),
    "video_note": ("video_note", "", ("DQACAgIAAxkBAAIBbGdVnote", "video/mp4", None)),
    # A GIF arrives with both `animation` and `document` (the same file): it is an animation
    "animation_gif": ("animation", "", ("CgACAgIAAxkBAAIBbWdGif", "video/mp4", "battery.gif.mp4")),
    "sticker": ("sticker", "", ("CAACAgIAAxkBAAIBbmdSticker", "image/webp", None)),
    "location": ("location", "", None),
    "venue": ("location", "", None),
    "contact_own": ("contact", "", None),
    "forwarded": ("text", "Скидка 10% на AGM до пятницы", None),
    "reply": ("text", "Лада Веста 2019", None),
    "group_message": None,
    "channel_post": None,
    "edited_channel_post": None,
    "dice": None,
    "poll": None,
    "callback_query": None,
    "start_command": None,
}
# Replayed after the messages: they change what is already stored.
CHANGES = ["edited_caption", "my_chat_member_kicked"]


def load(name: str) -> dict[str, Any]:
    update: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text())
    return update


def message_of(factory: Factory, tenant: Tenant, telegram_message_id: int) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT m.kind, m.text, m.location, m.contact, a.telegram_file_id, a.mime_type, a.file_name"
        "  FROM appeal_messages m LEFT JOIN attachments a ON a.message_id = m.id"
        " WHERE m.tenant_id = %s AND m.telegram_message_id = %s",
        tenant.id,
        telegram_message_id,
    )


def test_the_corpus_has_one_whole_update_per_kind() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.json")) == sorted([*STORED, *CHANGES])


def test_every_kind_replayed_through_the_webhook_lands_as_it_should(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    for name, expected in STORED.items():
        update = load(name)
        reply = post(api, tenant, update)
        assert (reply.status, reply.body) == (200, {"success": True}), name
        assert factory.query(
            "SELECT 1 FROM telegram_updates WHERE tenant_id = %s AND update_id = %s", tenant.id, update["update_id"]
        ), name
        [body] = [v for k, v in update.items() if k != "update_id"]
        stored = message_of(factory, tenant, body["message_id"]) if "message_id" in body else []
        if expected is None:
            assert stored == [], name
            continue
        kind, text, file = expected
        [row] = stored
        assert (row["kind"], row["text"]) == (kind, text), name
        got = (row["telegram_file_id"], row["mime_type"], row["file_name"]) if row["telegram_file_id"] else None
        assert got == file, name
    # The venue keeps its title, the own contact verifies the client's phone
    assert message_of(factory, tenant, 111)[0]["location"]["title"] == "Автосервис «Ток»"
    client = factory.one("SELECT phone, phone_verified, reachable FROM clients WHERE tenant_id = %s", tenant.id)
    assert client == {"phone": "+79161234567", "phone_verified": True, "reachable": True}
    # One appeal for the whole conversation; nothing from the group or the channel
    assert factory.one("SELECT count(*) AS n FROM appeals WHERE tenant_id = %s", tenant.id)["n"] == 1
    assert factory.one("SELECT count(*) AS n FROM clients WHERE tenant_id = %s", tenant.id)["n"] == 1

    # Then the edit of the photo's caption (the whole message again, with its photo) and the block
    for name in CHANGES:
        assert post(api, tenant, load(name)).status == 200, name
    assert message_of(factory, tenant, 102)[0]["text"] == "Вот такой стоит, 55 Ач"
    assert factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id) == {"reachable": False}
    # And every update delivered again changes nothing
    before = factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id)
    for name in [*STORED, *CHANGES]:
        assert post(api, tenant, load(name)).status == 200, name
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id) == before
