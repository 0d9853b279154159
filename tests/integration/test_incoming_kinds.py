"""The Telegram webhook takes every kind of private message, edits, /start, blocked bots, and
never answers anything but 200 to an update it cannot use."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.test_admin_cli import admin

pytestmark = pytest.mark.integration

SECRET_HEADER = "x-telegram-bot-api-secret-token"
_ids = iter(range(10_000, 10**9))


def message(telegram_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_ids),
        "date": 1795348800,
        "chat": {"id": telegram_id, "type": "private"},
        "from": {"id": telegram_id, "is_bot": False, "first_name": "Ivan", "last_name": "Petrov"},
        **content,
    }


def post(api: Api, tenant: Tenant, body: Any) -> Any:
    return api.post(f"/webhook/telegram/{tenant.slug}", body, headers={SECRET_HEADER: tenant.webhook_secret})


def send(api: Api, tenant: Tenant, msg: dict[str, Any], key: str = "message") -> int:
    update_id = next(_ids)
    reply = post(api, tenant, {"update_id": update_id, key: msg})
    assert reply.status == 200 and reply.body == {"success": True}, reply.body
    return update_id


def shop(api: Api, factory: Factory) -> tuple[Tenant, Operator, str]:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    return tenant, op, api.login(op)


def only_appeal(api: Api, token: str) -> dict[str, Any]:
    appeals = api.get("/webhook/api/operator/appeals", token=token, query={"status": "all"}).body["appeals"]
    assert len(appeals) == 1, appeals
    detail: dict[str, Any] = api.get(f"/webhook/api/operator/appeals/{appeals[0]['id']}", token=token).body["appeal"]
    return detail


def seen(factory: Factory, tenant: Tenant, update_id: int) -> bool:
    rows = factory.query(
        "SELECT 1 FROM channel_updates WHERE tenant_id = %s AND channel = 'telegram' AND update_id = %s",
        tenant.id,
        str(update_id),
    )
    return bool(rows)


def file(file_id: str, size: int | None = 1234, **extra: Any) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, **extra}


@pytest.mark.parametrize(
    ("field", "value", "mime"),
    [
        ("document", file("doc-1", file_name="invoice.pdf", mime_type="application/pdf"), "application/pdf"),
        ("voice", file("voice-1", duration=3, mime_type="audio/ogg"), "audio/ogg"),
        ("audio", file("audio-1", duration=90, mime_type="audio/mpeg", file_name="a.mp3"), "audio/mpeg"),
        ("video", file("video-1", width=640, height=480, duration=5, mime_type="video/mp4"), "video/mp4"),
        ("video_note", file("vnote-1", length=240, duration=5), "video/mp4"),
        ("animation", file("anim-1", width=1, height=1, duration=1, mime_type="video/mp4"), "video/mp4"),
        ("sticker", file("sticker-1", width=512, height=512, is_animated=False, type="regular"), "image/webp"),
    ],
)
def test_every_file_kind_becomes_one_message_with_a_pending_attachment(
    api: Api, factory: Factory, field: str, value: dict[str, Any], mime: str
) -> None:
    tenant, _, token = shop(api, factory)
    send(api, tenant, message(700_001, **{field: value}))
    appeal = only_appeal(api, token)
    [msg] = appeal["messages"]
    assert (msg["kind"], msg["text"], msg["location"], msg["contact"], msg["edited_at"]) == (
        field,
        "",
        None,
        None,
        None,
    )
    [attachment] = msg["attachments"]
    assert attachment["kind"] == field and attachment["mime_type"] == mime
    assert (attachment["status"], attachment["url"], attachment["size"]) == ("pending", None, value["file_size"])
    assert appeal["preview"].startswith("[")  # a label of the kind when there is no caption


def test_a_photo_keeps_its_largest_size_and_its_caption(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    sizes = [file("small", 900, width=90, height=60), file("large", 90_000, width=1280, height=853)]
    send(api, tenant, message(700_002, photo=sizes, caption="Label of my battery"))
    [msg] = only_appeal(api, token)["messages"]
    assert (msg["kind"], msg["text"]) == ("photo", "Label of my battery")
    assert [(a["size"], a["mime_type"]) for a in msg["attachments"]] == [(90_000, "image/jpeg")]
    telegram_file = factory.one("SELECT file_ref FROM attachments WHERE id = %s", msg["attachments"][0]["id"])
    assert telegram_file == {"file_ref": "large"}


def test_a_text_message_has_no_attachments_and_null_extras(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    send(api, tenant, message(700_003, text="Hello"))
    [msg] = only_appeal(api, token)["messages"]
    assert msg["kind"] == "text" and msg["attachments"] == []
    assert msg["location"] is None and msg["contact"] is None and msg["edited_at"] is None


def test_location_and_venue_become_location_messages(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    send(api, tenant, message(700_004, location={"latitude": 55.75, "longitude": 37.61}))
    venue = {"location": {"latitude": 43.24, "longitude": 76.95}, "title": "Service station", "address": "Abay 1"}
    send(api, tenant, message(700_004, venue=venue, location=venue["location"]))
    messages = only_appeal(api, token)["messages"]
    assert [(m["kind"], m["location"]) for m in messages] == [
        ("location", {"latitude": 55.75, "longitude": 37.61, "title": None}),
        ("location", {"latitude": 43.24, "longitude": 76.95, "title": "Service station"}),
    ]


def test_the_clients_own_contact_sets_a_verified_phone(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    own = {"phone_number": "8 912 345-67-89", "first_name": "Ivan", "user_id": 700_005}
    send(api, tenant, message(700_005, contact=own))
    appeal = only_appeal(api, token)
    assert appeal["messages"][0]["kind"] == "contact"
    assert appeal["messages"][0]["contact"] == {"phone": "+79123456789", "name": "Ivan", "own": True}
    assert appeal["client"]["phone"] == "+79123456789"
    client = factory.one("SELECT phone, phone_verified FROM clients WHERE tenant_id = %s", tenant.id)
    assert client == {"phone": "+79123456789", "phone_verified": True}


def test_someone_elses_contact_is_only_a_message(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    other = {"phone_number": "+7 (912) 000-11-22", "first_name": "Wife", "last_name": "Petrova", "user_id": 1}
    send(api, tenant, message(700_006, contact=other))
    appeal = only_appeal(api, token)
    assert appeal["messages"][0]["contact"] == {"phone": "+79120001122", "name": "Wife Petrova", "own": False}
    client = factory.one("SELECT phone, phone_verified FROM clients WHERE tenant_id = %s", tenant.id)
    assert client == {"phone": None, "phone_verified": False}


def test_an_own_contact_does_not_overwrite_a_phone_the_client_has(api: Api, factory: Factory) -> None:
    tenant, _, _ = shop(api, factory)
    factory.client(tenant, telegram_id=700_007, phone="+79990000000")
    send(api, tenant, message(700_007, contact={"phone_number": "+79123456789", "user_id": 700_007}))
    client = factory.one("SELECT phone, phone_verified FROM clients WHERE tenant_id = %s", tenant.id)
    assert client == {"phone": "+79990000000", "phone_verified": False}


def test_an_unparseable_contact_phone_is_kept_as_sent(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    send(api, tenant, message(700_008, contact={"phone_number": "12", "user_id": 700_008}))
    assert only_appeal(api, token)["messages"][0]["contact"] == {"phone": "12", "name": None, "own": True}
    assert factory.one("SELECT phone FROM clients WHERE tenant_id = %s", tenant.id) == {"phone": None}


def test_an_edit_replaces_the_text_and_sends_no_push(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    api.post("/webhook/android-register-fcm", {"fcm_token": f"fcm-{tenant.slug}"}, token=token)
    original = message(700_009, text="Need a 60Ah batery")
    send(api, tenant, original)
    photo = message(700_009, photo=[file("p-edit")], caption="old caption")
    send(api, tenant, photo)
    pushes = factory.one("SELECT count(*) AS n FROM push_outbox WHERE tenant_id = %s", tenant.id)["n"]
    send(api, tenant, {**original, "text": "Need a 60Ah battery", "edit_date": 1795348900}, key="edited_message")
    send(api, tenant, {**photo, "caption": "new caption"}, key="edited_message")
    messages = only_appeal(api, token)["messages"]
    assert [m["text"] for m in messages] == ["Need a 60Ah battery", "new caption"]
    assert all(m["edited_at"] is not None for m in messages)
    assert factory.one("SELECT count(*) AS n FROM push_outbox WHERE tenant_id = %s", tenant.id)["n"] == pushes


def test_an_edit_of_an_unknown_message_changes_nothing(api: Api, factory: Factory) -> None:
    tenant, _, _ = shop(api, factory)
    update_id = send(api, tenant, message(700_010, text="never seen"), key="edited_message")
    assert seen(factory, tenant, update_id)
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id)["n"] == 0


def test_start_opens_no_appeal_and_is_answered_with_the_welcome_text(
    api: Api, factory: Factory, fake_telegram: Any, database_url: str
) -> None:
    tenant, _, token = shop(api, factory)
    factory.telegram_bot(tenant)
    # The admin tool sets the welcome text
    done = admin(database_url, "set-welcome-text", tenant.slug, "Welcome to the battery shop!")
    assert done.returncode == 0 and "welcome text of" in done.stdout, done.stderr
    send(api, tenant, message(700_011, text="/start"))
    send(api, tenant, message(700_011, text="/start promo-42"))
    assert api.get("/webhook/api/operator/appeals", token=token).body["appeals"] == []
    assert [(c.body["chat_id"], c.body["text"]) for c in fake_telegram.sent_messages()] == [
        (700_011, "Welcome to the battery shop!")
    ] * 2


def test_start_without_a_welcome_text_sends_nothing(api: Api, factory: Factory, fake_telegram: Any) -> None:
    tenant, _, token = shop(api, factory)
    factory.telegram_bot(tenant)
    send(api, tenant, message(700_012, text="/start"))
    assert fake_telegram.calls == [] and api.get("/webhook/api/operator/appeals", token=token).body["appeals"] == []


def test_start_is_answered_200_when_telegram_is_down(api: Api, factory: Factory, fake_telegram: Any) -> None:
    tenant, _, _ = shop(api, factory)
    factory.telegram_bot(tenant)
    factory.execute("UPDATE tenants SET welcome_text = 'Hi' WHERE id = %s", tenant.id)
    fake_telegram.fail("error")
    update_id = send(api, tenant, message(700_013, text="/start"))
    assert seen(factory, tenant, update_id)


def test_blocking_and_unblocking_the_bot_keeps_reachable(api: Api, factory: Factory) -> None:
    tenant, _, _ = shop(api, factory)
    factory.client(tenant, telegram_id=700_014)

    def member(status: str) -> dict[str, Any]:
        return {
            "chat": {"id": 700_014, "type": "private"},
            "from": {"id": 700_014, "is_bot": False, "first_name": "Ivan"},
            "date": 1795348800,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
            "new_chat_member": {"status": status, "user": {"id": 1, "is_bot": True, "first_name": "bot"}},
        }

    reachable = "SELECT reachable FROM clients WHERE tenant_id = %s"
    send(api, tenant, member("kicked"), key="my_chat_member")
    assert factory.one(reachable, tenant.id) == {"reachable": False}
    send(api, tenant, member("member"), key="my_chat_member")
    assert factory.one(reachable, tenant.id) == {"reachable": True}


@pytest.mark.parametrize(
    "body",
    [
        {"message": message(700_015, poll={"id": "1", "question": "?", "options": []})},
        {"message": message(700_015, dice={"emoji": "🎲", "value": 3})},
        {"message": message(700_015, new_chat_title="x")},
        {"message": {**message(700_015, text="hi"), "chat": {"id": -100, "type": "group"}}},
        {"channel_post": {"message_id": 1, "chat": {"id": -1001, "type": "channel"}, "text": "hi"}},
        {"some_future_update_kind": {"anything": [1, 2, 3]}},
        {"message": {**message(700_015, text="hi"), "from": {"id": 1, "is_bot": True, "first_name": "b"}}},
        {"message": message(700_015, photo="not a list")},
    ],
)
def test_updates_we_do_not_store_are_acknowledged(api: Api, factory: Factory, body: dict[str, Any]) -> None:
    tenant, _, _ = shop(api, factory)
    update_id = next(_ids)
    reply = post(api, tenant, {"update_id": update_id, **body})
    assert reply.status == 200
    assert seen(factory, tenant, update_id)
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE tenant_id = %s", tenant.id)["n"] == 0


def test_ids_beyond_64_bits_are_acknowledged_not_500(api: Api, factory: Factory, captured_logs: Any) -> None:
    tenant, _, _ = shop(api, factory)
    assert post(api, tenant, {"update_id": 2**63, "message": message(700_016, text="secret words")}).status == 200
    huge_sender = message(2**63 + 5, text="secret words")
    update_id = next(_ids)
    assert post(api, tenant, {"update_id": update_id, "message": huge_sender}).status == 200
    assert seen(factory, tenant, update_id)
    assert factory.one("SELECT count(*) AS n FROM clients WHERE tenant_id = %s", tenant.id)["n"] == 0
    assert "secret words" not in captured_logs()


def test_nul_and_lone_surrogates_are_stored_cleaned_never_500(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    raw = (
        f'{{"update_id": {next(_ids)}, "message": {{"message_id": 5, "chat": {{"id": 700017, "type": "private"}}, '
        '"from": {"id": 700017, "first_name": "A\\u0000"}, "text": "bad \\u0000 and \\ud800 here"}}'
    )
    reply = api.post(
        f"/webhook/telegram/{tenant.slug}", raw_body=raw.encode(), headers={SECRET_HEADER: tenant.webhook_secret}
    )
    assert reply.status == 200
    [msg] = only_appeal(api, token)["messages"]
    assert msg["text"] == "bad  and \ufffd here"


def test_a_repeated_media_update_adds_nothing(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    body = {"update_id": next(_ids), "message": message(700_018, voice=file("v-dup"))}
    assert post(api, tenant, body).status == 200 and post(api, tenant, body).status == 200
    assert len(only_appeal(api, token)["messages"]) == 1
    assert factory.one("SELECT count(*) AS n FROM media_jobs WHERE tenant_id = %s", tenant.id)["n"] == 1


def test_a_file_over_20_mb_is_too_large_without_a_download(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    send(api, tenant, message(700_019, video=file("huge", 21 * 1024 * 1024, mime_type="video/mp4")))
    [attachment] = only_appeal(api, token)["messages"][0]["attachments"]
    assert attachment["status"] == "too_large"
    assert factory.one("SELECT count(*) AS n FROM media_jobs WHERE tenant_id = %s", tenant.id)["n"] == 0


# --- appeal_message pushes ---------------------------------------------------------------------


def phone(api: Api, factory: Factory, op: Operator) -> str:
    token = api.login(op)
    fcm = f"fcm-{secrets.token_hex(6)}"
    assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=token).status == 200
    return fcm


def pushes(factory: Factory, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT fcm_token, data FROM push_outbox WHERE tenant_id = %s AND kind = %s ORDER BY id", tenant.id, kind
    )


def test_a_follow_up_in_an_unassigned_appeal_tells_every_phone(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    phones = {phone(api, factory, factory.operator(tenant)) for _ in range(2)}
    send(api, tenant, message(700_020, text="first"))
    assert pushes(factory, tenant, "appeal_message") == []
    send(api, tenant, message(700_020, photo=[file("follow-up")]))
    queued = pushes(factory, tenant, "appeal_message")
    assert {p["fcm_token"] for p in queued} == phones
    data = queued[0]["data"]
    assert set(data) == {"type", "appeal_id", "message_id", "preview"} and data["preview"] == "[photo]"
    appeal = factory.one("SELECT id FROM appeals WHERE tenant_id = %s", tenant.id)
    last = factory.one(
        "SELECT id FROM appeal_messages WHERE appeal_id = %s ORDER BY created_at DESC LIMIT 1", appeal["id"]
    )
    assert (data["appeal_id"], data["message_id"]) == (str(appeal["id"]), str(last["id"]))


def test_a_follow_up_in_a_held_appeal_tells_only_the_holders_phones(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    holder, other = factory.operator(tenant), factory.operator(tenant)
    holder_phone, _ = phone(api, factory, holder), phone(api, factory, other)
    send(api, tenant, message(700_021, text="first"))
    appeal_id = factory.one("SELECT id FROM appeals WHERE tenant_id = %s", tenant.id)["id"]
    assert api.post(f"/webhook/api/operator/appeals/{appeal_id}/take", token=api.login(holder, "desktop")).status == 200
    send(api, tenant, message(700_021, text="any news?"))
    queued = pushes(factory, tenant, "appeal_message")
    assert [p["fcm_token"] for p in queued] == [holder_phone]
    assert queued[0]["data"]["preview"] == "any news?"


def test_a_live_location_update_changes_nothing(api: Api, factory: Factory) -> None:
    tenant, _, token = shop(api, factory)
    original = message(700_022, location={"latitude": 55.75, "longitude": 37.61, "live_period": 900})
    send(api, tenant, original)
    moved = {**original, "location": {"latitude": 55.76, "longitude": 37.62}, "edit_date": 1795348900}
    update_id = send(api, tenant, moved, key="edited_message")
    assert seen(factory, tenant, update_id)
    [msg] = only_appeal(api, token)["messages"]
    assert msg["location"]["latitude"] == 55.75 and msg["edited_at"] is None
