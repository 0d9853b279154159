"""MAX end to end: the webhook (the secret header, dedup by mid, every attachment kind, edits,
bot_started / bot_stopped, group chats) and answers over a fake MAX API on 127.0.0.1 (uploads then
token, "attachment not ready", 403, 429), against real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from shared.media import downloads as media
from tests.fakes import max_api
from tests.fakes.max_api import FakeMax
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.channel_helpers import ANSWER, APPEALS, answer, channel_appeal, only_appeal, parses_of

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "max"
SECRET = "test-max-secret"
TOKEN = "max-test-bot-token"
USER = "71234567"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n%test\n"
MP4 = bytes(4) + b"ftypmp42" + bytes(64)


@pytest.fixture
def fake_max(configure: Any) -> Iterator[FakeMax]:
    with max_api.running() as fake:
        configure(max_api_base_url=fake.url, telegram_dry_run="false")
        yield fake


def shop(factory: Factory, welcome: str | None = None) -> Tenant:
    tenant = factory.tenant()
    factory.execute(
        "INSERT INTO tenant_channels (tenant_id, channel, secret, token_ref) VALUES (%s, 'max', %s, %s)",
        tenant.id,
        SECRET,
        f"plain:{TOKEN}",
    )
    if welcome is not None:
        factory.execute("UPDATE tenants SET welcome_text = %s WHERE id = %s", welcome, tenant.id)
    return tenant


def update(name: str, fake: FakeMax | None = None) -> dict[str, Any]:
    """A fixture as MAX sends it (its file URLs served by the fake when given)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return fake.rehost(data) if fake is not None else data


def post(api: Api, tenant: Tenant, body: Any, *, secret: str | None = SECRET, slug: str | None = None) -> Any:
    headers = {"x-max-bot-api-secret": secret} if secret is not None else {}
    return api.post(f"/webhook/max/{slug or tenant.slug}", body, headers=headers)


def counts(factory: Factory, tenant: Tenant) -> dict[str, int]:
    tables = ("clients", "appeals", "appeal_messages", "attachments", "channel_updates")
    query = "SELECT count(*) AS n FROM {} WHERE tenant_id = %s"  # the table names above, never input
    return {t: factory.one(query.format(t), tenant.id)["n"] for t in tables}


def reachable(factory: Factory, tenant: Tenant) -> bool:
    return bool(factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id)["reachable"])


# --- the webhook ---


@pytest.mark.parametrize("secret", ["wrong-secret", "", None, SECRET.upper()])
def test_a_wrong_or_missing_secret_is_401_and_nothing_is_stored(api: Api, factory: Factory, secret: str | None) -> None:
    tenant = shop(factory)

    reply = post(api, tenant, update("message_created_text"), secret=secret)

    assert (reply.status, reply.error_code) == (401, "unauthorized")
    assert counts(factory, tenant) == dict.fromkeys(counts(factory, tenant), 0)


def test_an_unknown_slug_or_a_tenant_without_max_is_401(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()  # Telegram only
    assert post(api, tenant, update("message_created_text")).status == 401
    assert post(api, tenant, update("message_created_text"), slug="no-such-shop").status == 401


def test_a_text_message_opens_a_max_appeal_named_as_max_names_the_client(
    api: Api, factory: Factory, fake_max: FakeMax
) -> None:
    # Given a shop with a MAX bot and an operator
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    # When the client writes to the bot
    reply = post(api, tenant, update("message_created_text"))
    # Then MAX gets its 200, and the appeal is there with the client's channel and name
    assert (reply.status, reply.body) == (200, {"success": True})
    appeal = only_appeal(api, token)
    assert appeal["channel"] == "max"
    assert (appeal["client"]["name"], appeal["client"]["channel"], appeal["client"]["external_id"]) == (
        "Ирина Соколова",
        "max",
        USER,
    )
    assert appeal["client"]["telegram_id"] is None
    assert [(m["direction"], m["kind"], m["text"]) for m in appeal["messages"]] == [
        ("in", "text", "Здравствуйте! Есть аккумулятор 60 Ач для Гранты?")
    ]
    assert fake_max.calls == []  # MAX names its users: nothing is asked


def test_a_repeated_delivery_is_200_and_stored_once(api: Api, factory: Factory) -> None:
    tenant = shop(factory)

    first, again = post(api, tenant, update("message_created_text")), post(api, tenant, update("message_created_text"))

    assert (first.status, again.status) == (200, 200)
    assert counts(factory, tenant) == {
        "clients": 1, "appeals": 1, "appeal_messages": 1, "attachments": 0, "channel_updates": 1,
    }  # fmt: skip


@pytest.fixture
def local_media(local_media: Path, configure: Any, fake_max: FakeMax) -> Path:
    """The shared local media store (tests/conftest.py), with MAX's files fetched from the fake."""
    configure(max_api_base_url=fake_max.url, telegram_dry_run="false")
    return local_media


@pytest.mark.parametrize(
    ("name", "kind", "data", "mime"),
    [
        ("message_created_image", "photo", PNG, "image/jpeg"),
        ("message_created_file", "document", PDF, "application/pdf"),
        ("message_created_audio", "audio", b"ID3" + bytes(64), "application/octet-stream"),
        ("message_created_sticker", "sticker", PNG, "application/octet-stream"),
    ],
)
def test_every_file_kind_is_fetched_by_a_media_job_from_the_url_max_gives(
    api: Api,
    factory: Factory,
    fake_max: FakeMax,
    local_media: Path,
    name: str,
    kind: str,
    data: bytes,
    mime: str,
) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    body = update(name, fake_max)
    url = body["message"]["body"]["attachments"][0]["payload"]["url"]
    fake_max.add_file(url.split("/files/", 1)[1], data)

    assert post(api, tenant, body).status == 200

    [attachment] = only_appeal(api, token)["messages"][-1]["attachments"]
    assert (attachment["kind"], attachment["status"], attachment["mime_type"]) == (kind, "pending", mime)
    # When the media worker runs, the file is fetched from MAX's URL and served by its signed link
    assert media.dispatch()["ready"] == 1
    [ready] = only_appeal(api, token)["messages"][-1]["attachments"]
    assert ready["status"] == "ready"
    assert httpx.get(ready["url"]).content == data


def test_a_video_is_fetched_from_the_file_max_names_for_its_token(
    api: Api, factory: Factory, fake_max: FakeMax, local_media: Path
) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    fake_max.add_video("dmlkZW9fdG9rZW5fZm9yX3Rlc3Rz", MP4)

    post(api, tenant, update("message_created_video", fake_max))

    [message] = only_appeal(api, token)["messages"]
    assert (message["kind"], message["text"]) == ("video", "Слышно, как щёлкает реле")
    assert media.dispatch()["ready"] == 1
    [ready] = only_appeal(api, token)["messages"][0]["attachments"]
    assert (ready["status"], ready["mime_type"]) == ("ready", "video/mp4")
    assert httpx.get(ready["url"]).content == MP4
    assert [c.token for c in fake_max.calls_to("GET", "/videos/dmlkZW9fdG9rZW5fZm9yX3Rlc3Rz")] == [TOKEN]


def test_two_images_are_two_attachments_of_one_message(api: Api, factory: Factory, fake_max: FakeMax) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))

    post(api, tenant, update("message_created_album", fake_max))

    [message] = only_appeal(api, token)["messages"]
    assert (message["kind"], message["text"], len(message["attachments"])) == ("photo", "Две фотографии клеммы", 2)


def test_a_location_a_contact_and_a_link_preview(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))

    for name in ("message_created_location", "message_created_contact_other", "message_created_share"):
        assert post(api, tenant, update(name)).status == 200

    location, contact, share = only_appeal(api, token)["messages"]
    assert (location["kind"], location["location"]) == (
        "location",
        {"latitude": 55.751244, "longitude": 37.618423, "title": None},
    )
    assert (contact["kind"], contact["contact"]) == (
        "contact",
        {"phone": "+79037654321", "name": "Пётр Иванов", "own": False},
    )
    assert (share["kind"], share["text"]) == ("text", "https://example.ru/akb/60ah")


def test_the_clients_own_contact_becomes_their_phone(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))

    post(api, tenant, update("message_created_contact"))

    assert only_appeal(api, token)["client"]["phone"] == "+79161234567"


@pytest.mark.parametrize("name", ["message_created_group_chat", "message_removed", "dialog_muted"])
def test_group_chats_and_other_updates_are_200_and_only_remembered(api: Api, factory: Factory, name: str) -> None:
    tenant = shop(factory)

    assert post(api, tenant, update(name)).status == 200

    assert counts(factory, tenant) == {
        "clients": 0, "appeals": 0, "appeal_messages": 0, "attachments": 0, "channel_updates": 1,
    }  # fmt: skip


@pytest.mark.parametrize("body", ["not json at all", '{"update_type": "message_created"}', "[1, 2]"])
def test_a_body_that_is_no_update_is_acknowledged_and_nothing_is_stored(api: Api, factory: Factory, body: str) -> None:
    tenant = shop(factory)

    reply = api.request(
        "POST", f"/webhook/max/{tenant.slug}", raw_body=body.encode(), headers={"x-max-bot-api-secret": SECRET}
    )

    assert reply.status == 200  # MAX would redeliver anything else for hours
    assert counts(factory, tenant) == dict.fromkeys(counts(factory, tenant), 0)


def test_text_with_a_nul_character_is_stored_without_it(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    body = update("message_created_text")
    body["message"]["body"]["text"] = "60\u0000 Ач?"

    assert post(api, tenant, body).status == 200

    assert only_appeal(api, token)["messages"][0]["text"] == "60 Ач?"


def test_an_edit_changes_the_stored_text_once(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    post(api, tenant, update("message_created_text"))

    assert post(api, tenant, update("message_edited")).status == 200
    assert post(api, tenant, update("message_edited")).status == 200

    [message] = only_appeal(api, token)["messages"]
    assert message["text"] == "Здравствуйте! Есть аккумулятор 60 Ач для Лады Гранты?"
    assert factory.one("SELECT edited_at FROM appeal_messages WHERE tenant_id = %s", tenant.id)["edited_at"]
    assert counts(factory, tenant)["channel_updates"] == 2  # the message and its edit, each once


def test_bot_started_opens_nothing_and_is_answered_with_the_welcome_text_once(
    api: Api, factory: Factory, fake_max: FakeMax
) -> None:
    tenant = shop(factory, welcome="Здравствуйте! Это АКБ Маркет.")
    token = api.login(factory.operator(tenant))

    post(api, tenant, update("bot_started"))
    post(api, tenant, update("bot_started"))  # MAX's redelivery

    assert api.get(APPEALS, token=token).body["appeals"] == []
    assert [(m.user_id, m.text) for m in fake_max.messages()] == [(int(USER), "Здравствуйте! Это АКБ Маркет.")]
    assert {c.token for c in fake_max.calls} == {TOKEN}


def test_bot_started_is_200_when_max_is_down(api: Api, factory: Factory, fake_max: FakeMax) -> None:
    tenant = shop(factory, welcome="Hi")
    fake_max.fail("error")

    assert post(api, tenant, update("bot_started")).status == 200
    assert counts(factory, tenant)["channel_updates"] == 1


def test_stopping_and_restarting_the_bot_keeps_reachability(api: Api, factory: Factory, fake_max: FakeMax) -> None:
    tenant = shop(factory)
    post(api, tenant, update("message_created_text"))

    post(api, tenant, update("bot_stopped"))
    assert not reachable(factory, tenant)
    post(api, tenant, update("bot_started"))
    assert reachable(factory, tenant)


def test_writing_again_after_stopping_the_bot_makes_the_client_reachable(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    post(api, tenant, update("message_created_text"))
    post(api, tenant, update("bot_stopped"))

    post(api, tenant, update("message_created_reply"))

    assert reachable(factory, tenant)


# --- answers ---


def max_appeal(factory: Factory, tenant: Tenant) -> UUID:
    return channel_appeal(factory, tenant, "max", USER, "Ирина", "60 Ач?")


def answering(factory: Factory) -> tuple[Tenant, Operator, UUID]:
    """A shop, its operator and a MAX client's appeal to answer."""
    tenant = shop(factory)
    return tenant, factory.operator(tenant), max_appeal(factory, tenant)


def test_an_answer_goes_to_the_clients_dialog_and_a_retry_never_sends_twice(
    api: Api, factory: Factory, fake_max: FakeMax
) -> None:
    _tenant, op, appeal = answering(factory)
    # Given MAX failing the first time
    fake_max.fail("error")
    first = answer(api, op, appeal, client_message_id="phone-1")
    assert (first.status, first.error_code) == (502, "channel_unavailable")
    assert factory.one("SELECT delivery_status FROM appeal_messages WHERE appeal_id = %s", appeal) == {
        "delivery_status": "failed"
    }
    # When the operator retries with the same client_message_id
    fake_max.recover()
    again = answer(api, op, appeal, client_message_id="phone-1")
    # Then it is sent once, with the bot token, to the client's dialog, and keeps MAX's mid
    assert again.status == 200 and again.body["message"]["delivery_status"] == "sent"
    [sent] = fake_max.messages()
    assert (sent.user_id, sent.text) == (int(USER), ANSWER)
    assert {c.token for c in fake_max.calls_to("POST", "/messages")} == {TOKEN}
    stored = factory.one("SELECT external_message_id FROM appeal_messages WHERE appeal_id = %s", appeal)
    assert stored["external_message_id"] == sent.mid


def test_a_client_who_stopped_the_bot_is_409_and_unreachable(api: Api, factory: Factory, fake_max: FakeMax) -> None:
    tenant, op, appeal = answering(factory)
    fake_max.fail("blocked")

    reply = answer(api, op, appeal)

    assert (reply.status, reply.error_code) == (409, "client_unreachable")
    assert not reachable(factory, tenant)
    # And the next answer is refused without calling MAX, until the client writes or restarts the bot
    calls = len(fake_max.calls)
    assert answer(api, op, appeal).error_code == "client_unreachable" and len(fake_max.calls) == calls


def test_a_rate_limit_is_retried_once_then_502_with_retry_after(api: Api, factory: Factory, fake_max: FakeMax) -> None:
    _tenant, op, appeal = answering(factory)

    fake_max.rate_limit(times=1)
    assert answer(api, op, appeal, text="once").status == 200  # the one retry went through
    fake_max.rate_limit(times=2)
    reply = answer(api, op, appeal, text="twice")

    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert int(reply.headers["retry-after"]) >= 1
    assert [m.text for m in fake_max.messages()] == ["once"]


def test_a_text_longer_than_max_allows_is_409_before_max_is_called(
    api: Api, factory: Factory, fake_max: FakeMax
) -> None:
    tenant = shop(factory)
    appeal = max_appeal(factory, tenant)

    reply = answer(api, factory.operator(tenant), appeal, text="x" * 4001)

    assert (reply.status, reply.error_code) == (409, "channel_cannot")
    assert "4000 characters" in reply.body["error"]["message"]
    assert fake_max.calls == []


def upload(api: Api, token: str, name: str, mime: str, data: bytes) -> str:
    reply = api.post(
        "/webhook/api/operator/uploads", {"file_name": name, "mime_type": mime, "size": len(data)}, token=token
    )
    assert reply.status == 201, reply.body
    created = reply.body["upload"]
    assert httpx.put(created["url"], content=data, headers=created["headers"]).status_code == 200
    return str(created["id"])


def test_files_are_uploaded_then_sent_by_token_waiting_while_max_processes_them(
    api: Api, factory: Factory, fake_max: FakeMax, local_media: Path
) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    appeal = max_appeal(factory, tenant)
    fake_max.not_ready = 1  # MAX is still processing each file on the first send
    photo_id = upload(api, token, "battery.png", "image/png", PNG)
    ids = [photo_id, upload(api, token, "invoice.pdf", "application/pdf", PDF)]

    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Вот фото и счёт", "attachment_ids": ids}, token=token)

    assert reply.status == 200, reply.body
    assert [(u.type, u.file_name, u.data) for u in fake_max.uploads] == [
        ("image", "battery.png", PNG),
        ("file", "invoice.pdf", PDF),
    ]
    photo, document = fake_max.messages()
    assert (photo.text, photo.attachments[0]["type"]) == ("Вот фото и счёт", "image")
    assert document.attachments == [{"type": "file", "payload": {"token": fake_max.uploads[1].token}}]
    assert len(fake_max.calls_to("POST", "/messages")) == 4  # each refused once as not ready, then sent


@pytest.mark.parametrize("name", ["message_created_text", "message_created_album"])
def test_a_warm_max_message_is_one_round_trip_with_or_without_files(api: Api, factory: Factory, name: str) -> None:
    from bench.measure import RoundTrips

    tenant = shop(factory)
    post(api, tenant, update("message_created_reply"))  # warm-up: the client and their appeal exist
    # the account is cached since the warm-up: one statement (the message, its files and media jobs, the push)
    body = update(name)
    with RoundTrips().counting() as counted, parses_of(body) as parses:
        assert post(api, tenant, body).status == 200
    assert counted.count == 1
    assert len(parses) == 1  # by the request guard; the channel reads what it parsed
    assert counts(factory, tenant)["appeal_messages"] == 2
