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

# fixture -> (the message kind it becomes, and the field of the file its attachment comes from, with
# the mime type stored); None for an update that stores no message (answered 200, remembered as
# seen). The text stored is the message's text or caption as sent; a file's name as sent.
STORED: dict[str, tuple[str, tuple[str, str] | None] | None] = {
    "text": ("text", None),
    "photo_all_sizes": ("photo", ("photo", "image/jpeg")),  # the largest size
    "document_pdf": ("document", ("document", "application/pdf")),
    "voice": ("voice", ("voice", "audio/ogg")),
    "audio": ("audio", ("audio", "audio/mpeg")),
    "video": ("video", ("video", "video/quicktime")),
    "video_note": ("video_note", ("video_note", "video/mp4")),
    # A GIF arrives with both `animation` and `document` (the same file): it is an animation
    "animation_gif": ("animation", ("animation", "video/mp4")),
    "sticker": ("sticker", ("sticker", "image/webp")),
    "location": ("location", None),
    "venue": ("location", None),
    "contact_own": ("contact", None),
    "forwarded": ("text", None),
    "reply": ("text", None),
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


def message_of(factory: Factory, tenant: Tenant, message_id: int) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT m.kind, m.text, m.location, m.contact, a.file_ref, a.mime_type, a.file_name"
        "  FROM appeal_messages m LEFT JOIN attachments a ON a.message_id = m.id"
        " WHERE m.tenant_id = %s AND m.external_message_id = %s",
        tenant.id,
        str(message_id),
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
            "SELECT 1 FROM channel_updates WHERE tenant_id = %s AND update_id = %s", tenant.id, str(update["update_id"])
        ), name
        [body] = [v for k, v in update.items() if k != "update_id"]
        stored = message_of(factory, tenant, body["message_id"]) if "message_id" in body else []
        if expected is None:
            assert stored == [], name
            continue
        kind, source = expected
        [row] = stored
        assert (row["kind"], row["text"]) == (kind, body.get("text") or body.get("caption") or ""), name
        got = (row["file_ref"], row["mime_type"], row["file_name"]) if row["file_ref"] else None
        if source is None:
            assert got is None, name
        else:
            field, mime = source
            sent = body[field][-1] if field == "photo" else body[field]
            assert got == (sent["file_id"], mime, sent.get("file_name")), name
    # The venue keeps its title, the own contact verifies the client's phone
    venue = load("venue")["message"]["venue"]
    assert message_of(factory, tenant, 111)[0]["location"]["title"] == venue["title"]
    client = factory.one("SELECT phone, phone_verified, reachable FROM clients WHERE tenant_id = %s", tenant.id)
    assert client == {"phone": "+79161234567", "phone_verified": True, "reachable": True}  # as sent, E.164
    # One appeal for the whole conversation; nothing from the group or the channel
    assert factory.one("SELECT count(*) AS n FROM appeals WHERE tenant_id = %s", tenant.id)["n"] == 1
    assert factory.one("SELECT count(*) AS n FROM clients WHERE tenant_id = %s", tenant.id)["n"] == 1

    # Then the edit of the photo's caption (the whole message again, with its photo) and the block
    for name in CHANGES:
        assert post(api, tenant, load(name)).status == 200, name
    assert message_of(factory, tenant, 102)[0]["text"] == load("edited_caption")["edited_message"]["caption"]
    assert factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id) == {"reachable": False}
    # And every update delivered again changes nothing
    before = factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id)
    for name in [*STORED, *CHANGES]:
        assert post(api, tenant, load(name)).status == 200, name
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id) == before
