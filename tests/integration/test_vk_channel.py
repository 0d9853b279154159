"""VK end to end: the Callback API webhook (confirmation, secret and group checks, dedup, every
attachment kind, edits, reachability) and answers over a fake VK API on 127.0.0.1 (messages.send
with a fixed random_id, the photo and doc upload dance, VK's errors as HTTP 200 with ``error``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from shared.media import downloads as media
from tests.fakes import vk
from tests.fakes.vk import FakeVk
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.channel_helpers import ANSWER, APPEALS, answer, channel_appeal, only_appeal, parses_of
from tests.integration.test_operator_attachments import upload

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vk"
CDN = "https://sun9-74.userapi.com"
GROUP_ID = 229000111
SECRET = "test-vk-secret"
TOKEN = "vk1.a.TEST-COMMUNITY-TOKEN"
USER = "512345678"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def fake_vk(configure: Any) -> Iterator[FakeVk]:
    with vk.running() as fake:
        configure(vk_api_base_url=fake.url, vk_flood_wait_s=0.01, telegram_dry_run="false")
        yield fake


def shop(factory: Factory, *, confirmation: str = "conf-1234") -> Tenant:
    tenant = factory.tenant()
    factory.execute(
        "INSERT INTO tenant_channels (tenant_id, channel, secret, token_ref, settings) VALUES (%s, 'vk', %s, %s, %s)",
        tenant.id,
        SECRET,
        f"plain:{TOKEN}",
        json.dumps({"group_id": str(GROUP_ID), "confirmation": confirmation}),
    )
    return tenant


def event(name: str, fake: FakeVk | None = None, **changes: Any) -> dict[str, Any]:
    """A fixture as VK sends it to this shop (its file URLs served by the fake when given)."""
    raw = (FIXTURES / f"{name}.json").read_text()
    if fake is not None:
        raw = raw.replace(CDN, f"{fake.url}/files")
    body: dict[str, Any] = {**json.loads(raw), "secret": SECRET, **changes}
    return body


def post(api: Api, tenant: Tenant, body: Any, slug: str | None = None) -> Any:
    return api.post(f"/webhook/vk/{slug or tenant.slug}", body)


COUNTS = """
SELECT (SELECT count(*) FROM clients WHERE tenant_id = %(t)s) AS clients,
       (SELECT count(*) FROM appeals WHERE tenant_id = %(t)s) AS appeals,
       (SELECT count(*) FROM appeal_messages WHERE tenant_id = %(t)s) AS appeal_messages,
       (SELECT count(*) FROM attachments WHERE tenant_id = %(t)s) AS attachments,
       (SELECT count(*) FROM channel_updates WHERE tenant_id = %(t)s) AS channel_updates
"""


def counts(factory: Factory, tenant: Tenant) -> dict[str, int]:
    return dict(factory.conn.execute(COUNTS, {"t": tenant.id}).fetchone() or {})


def test_the_confirmation_answers_the_tenants_string_as_plain_text(api: Api, factory: Factory) -> None:
    tenant = shop(factory, confirmation="a1b2c3d4")
    reply = post(api, tenant, event("confirmation"))
    assert (reply.status, reply.body) == (200, "a1b2c3d4")
    assert reply.headers["content-type"].startswith("text/plain")


def test_a_changed_confirmation_string_is_answered_at_once(api: Api, factory: Factory) -> None:
    tenant = shop(factory, confirmation="a1b2c3d4")
    assert post(api, tenant, event("confirmation")).body == "a1b2c3d4"  # the account is now cached
    factory.execute(
        'UPDATE tenant_channels SET settings = settings || \'{"confirmation": "e5f6"}\' WHERE tenant_id = %s',
        tenant.id,
    )
    assert post(api, tenant, event("confirmation")).body == "e5f6"


@pytest.mark.parametrize(
    "forged",
    [{"secret": "wrong"}, {"secret": None}, {"group_id": 1}, {"group_id": str(GROUP_ID)}],
    ids=["wrong-secret", "no-secret", "other-group", "group-as-string"],
)
def test_a_wrong_secret_or_group_is_401_and_nothing_is_stored(api: Api, factory: Factory, forged: Any) -> None:
    tenant = shop(factory)
    reply = post(api, tenant, event("message_new_text", **forged))
    assert (reply.status, reply.error_code) == (401, "unauthorized")
    assert post(api, tenant, event("confirmation", **forged)).status == 401
    assert counts(factory, tenant) == dict.fromkeys(counts(factory, tenant), 0)


def test_an_unknown_slug_or_a_tenant_without_vk_is_401(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()  # Telegram only
    assert post(api, tenant, event("message_new_text")).status == 401
    assert post(api, tenant, event("message_new_text"), slug="no-such-shop").status == 401
    assert post(api, tenant, "not json at all").status == 401


def test_a_text_message_opens_a_vk_appeal_named_by_users_get_once(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    # Given a shop with VK and an operator
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    fake_vk.users[USER] = ("Ольга", "Смирнова")
    # When the client writes in the community's messages
    reply = post(api, tenant, event("message_new_text"))
    # Then VK is answered exactly "ok", and the appeal is there with the client's channel and name
    assert (reply.status, reply.body) == (200, "ok")
    appeal = only_appeal(api, token)
    assert appeal["channel"] == "vk"
    assert appeal["client"]["name"] == "Ольга Смирнова"
    assert (appeal["client"]["channel"], appeal["client"]["external_id"]) == ("vk", USER)
    assert appeal["client"]["telegram_id"] is None
    assert [(m["direction"], m["kind"], m["text"]) for m in appeal["messages"]] == [
        ("in", "text", "Здравствуйте! Есть аккумулятор 60 Ач на Ладу?")
    ]
    # And the next message joins the appeal without asking VK for the name again
    post(api, tenant, event("message_new_photo"))
    assert len(fake_vk.calls_to("users.get")) == 1
    assert len(only_appeal(api, token)["messages"]) == 2


def test_a_repeated_event_id_is_ok_and_stored_once(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    tenant = shop(factory)
    first = post(api, tenant, event("message_new_text"))
    again = post(api, tenant, event("message_new_text"))
    assert (first.body, again.body) == ("ok", "ok")
    assert counts(factory, tenant) | {"channel_updates": 1} == {
        "clients": 1, "appeals": 1, "appeal_messages": 1, "attachments": 0, "channel_updates": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind", "files", "mime"),
    [
        ("message_new_photo", "photo", {"photos/w.jpg": PNG}, "image/jpeg"),
        ("message_new_doc", "document", {"docs/schet.pdf": PDF}, "application/pdf"),
        ("message_new_audio_message", "voice", {"voice/v.ogg": b"OggS" + bytes(60)}, "audio/ogg"),
        ("message_new_video_file", "video", {"video/v480.mp4": bytes(12) + b"ftypmp42"}, "video/mp4"),
        ("message_new_sticker", "sticker", {"stickers/512.png": PNG}, "image/png"),
    ],
)
def test_every_file_kind_is_fetched_by_a_media_job_from_the_url_vk_gives(
    api: Api,
    factory: Factory,
    fake_vk: FakeVk,
    local_media: Path,
    name: str,
    kind: str,
    files: dict[str, bytes],
    mime: str,
) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    for path, data in files.items():
        fake_vk.add_file(path, data)
    assert post(api, tenant, event(name, fake_vk)).body == "ok"
    [attachment] = only_appeal(api, token)["messages"][-1]["attachments"]
    assert (attachment["kind"], attachment["status"], attachment["mime_type"]) == (kind, "pending", mime)
    # When the media worker runs, the file is fetched from VK's URL and served by its signed link
    assert media.dispatch()["ready"] == 1
    [ready] = only_appeal(api, token)["messages"][-1]["attachments"]
    assert ready["status"] == "ready"
    assert httpx.get(ready["url"]).content == next(iter(files.values()))


def test_two_photos_are_two_attachments_of_one_message(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    post(api, tenant, event("message_new_two_photos", fake_vk))
    [message] = only_appeal(api, token)["messages"]
    assert (message["kind"], message["text"], len(message["attachments"])) == ("photo", "два ракурса", 2)


@pytest.mark.parametrize(
    ("name", "kind", "text"),
    [
        ("message_new_wall", "text", "Это ваша акция?\nhttps://vk.com/wall-229000111_1375"),
        ("message_new_link", "text", "смотрите\nhttps://www.varta-automotive.ru/ru-ru/products/blue-dynamic"),
        ("message_new_video", "video", "Как снять клемму?\nhttps://vk.com/video512345678_456239021"),
    ],
)
def test_walls_links_and_unfetchable_videos_are_text_with_the_link(
    api: Api, factory: Factory, fake_vk: FakeVk, name: str, kind: str, text: str
) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    post(api, tenant, event(name))
    [message] = only_appeal(api, token)["messages"]
    assert (message["kind"], message["text"], message["attachments"]) == (kind, text, [])


def test_a_place_is_a_location_message(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    post(api, tenant, event("message_new_geo"))
    [message] = only_appeal(api, token)["messages"]
    assert message["kind"] == "location"
    assert message["location"] == {"latitude": 55.751244, "longitude": 37.618423, "title": "Москва, Красная площадь"}


@pytest.mark.parametrize("name", ["message_new_chat", "message_reply", "group_join"])
def test_chats_echoes_and_other_events_are_ok_and_only_remembered(
    api: Api, factory: Factory, fake_vk: FakeVk, name: str
) -> None:
    tenant = shop(factory)
    assert post(api, tenant, event(name)).body == "ok"
    assert counts(factory, tenant) == {
        "clients": 0, "appeals": 0, "appeal_messages": 0, "attachments": 0, "channel_updates": 1,
    }  # fmt: skip


def test_an_edit_changes_the_stored_text(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    post(api, tenant, event("message_new_text"))
    assert post(api, tenant, event("message_edit")).body == "ok"
    [message] = only_appeal(api, token)["messages"]
    assert message["text"] == "Здравствуйте! Есть аккумулятор 60 Ач на Ладу Весту?"
    assert factory.one("SELECT edited_at FROM appeal_messages WHERE tenant_id = %s", tenant.id)["edited_at"]


def vk_appeal(factory: Factory, tenant: Tenant, external_id: str = USER, phone: str | None = None) -> UUID:
    return channel_appeal(factory, tenant, "vk", external_id, "Ольга", "Есть 60 Ач?", phone)


def answering(factory: Factory) -> tuple[Tenant, Operator, UUID]:
    """A shop, its operator and a VK client's appeal to answer."""
    tenant = shop(factory)
    return tenant, factory.operator(tenant), vk_appeal(factory, tenant)


def test_an_answer_goes_out_with_messages_send_and_a_retry_never_sends_twice(
    api: Api, factory: Factory, fake_vk: FakeVk
) -> None:
    _tenant, op, appeal = answering(factory)
    # Given VK failing the first time with an internal error
    fake_vk.fail_with(10, method="messages.send")
    first = answer(api, op, appeal, client_message_id="phone-1")
    assert (first.status, first.error_code) == (502, "channel_unavailable")
    state = factory.one("SELECT delivery_status FROM appeal_messages WHERE appeal_id = %s", appeal)
    assert state["delivery_status"] == "failed"
    # When the operator retries with the same client_message_id
    again = answer(api, op, appeal, client_message_id="phone-1")
    # Then the message is sent, with the community token, to the client, with the same random_id
    assert again.status == 200 and again.body["message"]["delivery_status"] == "sent"
    sends = fake_vk.calls_to("messages.send")
    assert [c.params["peer_id"] for c in sends] == [USER, USER]
    assert sends[0].params["random_id"] == sends[1].params["random_id"]
    assert {c.token for c in sends} == {TOKEN}
    assert [(s.peer_id, s.message) for s in fake_vk.sent] == [(USER, ANSWER)]


@pytest.mark.parametrize("code", [900, 901, 902])
def test_a_client_who_blocked_or_never_allowed_messages_is_409_and_unreachable(
    api: Api, factory: Factory, fake_vk: FakeVk, code: int
) -> None:
    tenant, op, appeal = answering(factory)
    fake_vk.fail_with(code)
    reply = answer(api, op, appeal)
    assert (reply.status, reply.error_code) == (409, "client_unreachable")
    assert factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id)["reachable"] is False
    # And the next answer is refused without calling VK, until the client writes again
    calls = len(fake_vk.calls)
    assert answer(api, op, appeal).error_code == "client_unreachable" and len(fake_vk.calls) == calls


def test_allow_and_deny_keep_reachability(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    tenant = shop(factory)
    post(api, tenant, event("message_new_text"))
    post(api, tenant, event("message_deny"))
    assert factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id)["reachable"] is False
    post(api, tenant, event("message_allow"))
    assert factory.one("SELECT reachable FROM clients WHERE tenant_id = %s", tenant.id)["reachable"] is True


@pytest.mark.parametrize("code", [6, 9])
def test_flood_control_is_retried_once_then_502_with_retry_after(
    api: Api, factory: Factory, fake_vk: FakeVk, code: int
) -> None:
    _tenant, op, appeal = answering(factory)
    fake_vk.fail_with(code, times=1)
    assert answer(api, op, appeal, text="once").status == 200  # the one retry went through
    fake_vk.fail_with(code, times=2)
    reply = answer(api, op, appeal, text="twice")
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert int(reply.headers["retry-after"]) >= 1
    assert [s.message for s in fake_vk.sent] == ["once"]


def test_vk_unreachable_over_http_is_502_and_failed(api: Api, factory: Factory, fake_vk: FakeVk) -> None:
    _tenant, op, appeal = answering(factory)
    fake_vk.fail_http(502)
    assert answer(api, op, appeal).status == 502
    assert factory.one("SELECT delivery_status FROM appeal_messages WHERE appeal_id = %s", appeal) == {
        "delivery_status": "failed"
    }


def test_files_go_through_the_upload_servers_and_are_attached(
    api: Api, http_api: Api, factory: Factory, fake_vk: FakeVk, local_media: Path
) -> None:
    tenant = shop(factory)
    op = factory.operator(tenant)
    token = api.login(op)
    appeal = vk_appeal(factory, tenant)
    ids = [
        upload(http_api, token, PNG, "battery.png", "image/png"),
        upload(http_api, token, PDF, "invoice.pdf", "application/pdf"),
    ]
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Вот фото и счёт", "attachment_ids": ids}, token=token)
    assert reply.status == 200, reply.body
    assert [(kind, name, data) for kind, name, _, data in fake_vk.uploads] == [
        ("photo", "battery.png", PNG),
        ("doc", "invoice.pdf", PDF),
    ]
    assert [(s.attachment, s.message) for s in fake_vk.sent] == [
        ("photo-229000111_1_k1", "Вот фото и счёт"),
        ("doc7_2", ""),
    ]
    saved = fake_vk.calls_to("photos.saveMessagesPhoto")[0].params
    assert (saved["server"], saved["hash"]) == ("1", "h")


def test_a_phone_shared_by_two_channels_links_their_appeals(api: Api, factory: Factory) -> None:
    tenant = shop(factory)
    token = api.login(factory.operator(tenant))
    appeal = vk_appeal(factory, tenant, phone="+79123456789")
    telegram = factory.appeal(tenant, client=factory.client(tenant, telegram_id=777001))
    factory.execute(
        "UPDATE clients SET phone = '+79123456789' WHERE tenant_id = %s AND telegram_id = 777001", tenant.id
    )
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert [(a["id"], a["channel"]) for a in detail["client"]["other_appeals"]] == [(str(telegram), "telegram")]
    other = api.get(f"{APPEALS}/{telegram}", token=token).body["appeal"]
    assert [(a["id"], a["channel"]) for a in other["client"]["other_appeals"]] == [(str(appeal), "vk")]


@pytest.mark.parametrize("name", ["message_new_text", "message_new_two_photos"])
def test_a_warm_vk_message_is_one_round_trip_with_or_without_files(
    api: Api, factory: Factory, fake_vk: FakeVk, name: str
) -> None:
    from bench.measure import RoundTrips

    tenant = shop(factory)
    post(api, tenant, event("message_new_geo"))  # warm-up: the client (named once) and their appeal exist
    # the account is cached since the warm-up: one statement (the message, its files and media jobs, the push)
    body = event(name)
    with RoundTrips().counting() as counted, parses_of(body) as parses:
        assert post(api, tenant, body).body == "ok"
    assert counted.count == 1
    assert len(parses) == 1  # by the request guard; the channel reads what it parsed
    assert counts(factory, tenant)["appeal_messages"] == 2
