"""Appeals as operators see them: list, detail, take, reject, normalize - scoped to their tenant."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from devtools import datafactory
from shared.channels import registry
from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"


def push_rows(factory: Factory, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT fcm_token, data FROM push_outbox WHERE tenant_id = %s AND kind = %s ORDER BY id", tenant.id, kind
    )


def with_phone(api: Api, op: Operator, fcm: str) -> str:
    token = api.login(op, "mobile")
    assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=token).status == 200
    return token


# --- list ----------------------------------------------------------------------------------


def test_list_shows_open_appeals_of_the_tenant_newest_first(api: Api, factory: Factory) -> None:
    # Given a tenant with appeals in every state, and another tenant's appeal
    tenant, other = factory.tenant(), factory.tenant()
    anna = factory.operator(tenant)
    client = factory.client(tenant, name="Ivan", phone="+79123456789")
    first = factory.appeal(tenant, client=client, status="closed", operator=anna)
    second = factory.appeal(tenant, status="rejected", operator=anna)
    third = factory.appeal(tenant, status="in_progress", operator=anna)
    fourth = factory.appeal(tenant, client=client, text="Есть Varta 60Ah?")
    factory.appeal(other)
    token = api.login(anna)
    # When Anna lists with the defaults
    reply = api.get(APPEALS, token=token)
    # Then she sees the new and in-progress appeals of her tenant only, newest first
    assert reply.status == 200 and reply.body["success"] is True
    assert [a["id"] for a in reply.body["appeals"]] == [str(fourth), str(third)]
    assert reply.body["next_cursor"] is None
    item = reply.body["appeals"][0]
    assert item["status"] == "new" and item["channel"] == "telegram" and item["assigned_operator_id"] is None
    assert item["preview"] == "Есть Varta 60Ah?"
    assert item["client"] == {
        "id": str(client),
        "name": "Ivan",
        "phone": "+79123456789",
        "reachable": True,
        "phone_verified": False,
    }
    assert {"created_at", "updated_at"} <= item.keys()
    # And the filters narrow it down
    everything = api.get(APPEALS, token=token, query={"status": "all"}).body["appeals"]
    assert [a["id"] for a in everything] == [str(fourth), str(third), str(second), str(first)]
    closed = api.get(APPEALS, token=token, query={"status": "closed"}).body["appeals"]
    assert [a["id"] for a in closed] == [str(first)]
    mine = api.get(APPEALS, token=token, query={"status": "all", "assigned": "me"}).body["appeals"]
    assert [a["id"] for a in mine] == [str(third), str(second), str(first)]
    unassigned = api.get(APPEALS, token=token, query={"assigned": "unassigned"}).body["appeals"]
    assert [a["id"] for a in unassigned] == [str(fourth)]


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"status": "open"}, {"assigned": "you"}, {"cursor": "%%%"}],
)
def test_bad_list_parameters_are_400(api: Api, factory: Factory, query: dict[str, str]) -> None:
    token = api.login(factory.operator())
    reply = api.get(APPEALS, token=token, query=query)
    assert (reply.status, reply.error_code) == (400, "invalid_request")


def test_a_tampered_cursor_is_400(api: Api, factory: Factory) -> None:
    import base64

    token = api.login(factory.operator())
    for raw in (b'{"t": "yesterday", "id": "x"}', b"[1, 2]", b'{"t": "2026-01-01T00:00:00", "id": "' + b"0" * 36):
        cursor = base64.urlsafe_b64encode(raw).decode()
        reply = api.get(APPEALS, token=token, query={"cursor": cursor})
        assert (reply.status, reply.error_code) == (400, "invalid_request"), raw


def test_pages_neither_repeat_nor_skip_while_new_appeals_arrive(api: Api, factory: Factory) -> None:
    # Given seven appeals, three of them created at the very same instant (ties are broken by id)
    tenant = factory.tenant()
    op = factory.operator(tenant)
    same = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    existing = [factory.appeal(tenant, created_at=same) for _ in range(3)]
    existing += [factory.appeal(tenant) for _ in range(4)]
    token = api.login(op)
    # When they are read in pages of two while new appeals arrive between the pages
    seen: list[str] = []
    arrived: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get(APPEALS, token=token, query=query)
        assert page.status == 200
        seen += [a["id"] for a in page.body["appeals"]]
        arrived += [str(factory.appeal(tenant)), str(factory.appeal(tenant))]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    # Then every appeal that existed is seen exactly once, in order, and none of the newcomers
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {str(a) for a in existing}
    assert not set(arrived) & set(seen)
    everything = factory.query(
        "SELECT id FROM appeals WHERE tenant_id = %s AND id = ANY(%s) ORDER BY created_at DESC, id DESC",
        tenant.id,
        existing,
    )
    assert seen == [str(r["id"]) for r in everything]


# --- detail --------------------------------------------------------------------------------


def test_detail_has_the_client_and_the_messages_in_order(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    client = factory.client(tenant, telegram_id=555000111, name="Maria")
    appeal = factory.appeal(tenant, client=client, text="Сколько стоит?")
    factory.execute(
        "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status, operator_id) "
        "VALUES (%s, %s, 'out', '7 900 ₽', 'sent', %s)",
        tenant.id,
        appeal,
        op.id,
    )
    reply = api.get(f"{APPEALS}/{appeal}", token=api.login(op, "desktop"))
    assert reply.status == 200
    detail = reply.body["appeal"]
    assert detail["id"] == str(appeal) and detail["status"] == "new" and detail["normalized"] is None
    assert detail["client"] == {
        "id": str(client),
        "name": "Maria",
        "phone": None,
        "telegram_id": 555000111,
        "reachable": True,
        "phone_verified": False,
        "channel": "telegram",
        "external_id": "555000111",
        "other_appeals": [],  # no phone: nothing to link
    }
    messages = detail["messages"]
    assert [(m["direction"], m["text"], m["delivery_status"]) for m in messages] == [
        ("in", "Сколько стоит?", "received"),
        ("out", "7 900 ₽", "sent"),
    ]
    assert messages[0]["operator_id"] is None and messages[1]["operator_id"] == str(op.id)
    assert {"id", "created_at", "kind"} <= messages[0].keys()


@pytest.mark.parametrize("channel", ["telegram", "vk", "max"])
def test_detail_says_what_the_appeals_channel_can_do_as_the_channel_declares_it(
    api: Api, factory: Factory, channel: str
) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    telegram_id, external_id = (5501, None) if channel == "telegram" else (None, "5501")
    client = datafactory.client(
        factory.conn, tenant.id, telegram_id=telegram_id, name="Ann", channel=channel, external_id=external_id
    )
    appeal, _ = datafactory.appeal(factory.conn, tenant.id, client, [datafactory.Message("in", "Hi")])
    detail = api.get(f"{APPEALS}/{appeal}", token=api.login(op, "desktop")).body["appeal"]
    declared = registry.get(channel).capabilities
    assert detail["channel"] == channel
    assert detail["channel_capabilities"] == {
        "edits": declared.edits,
        "max_text": declared.max_text,
        "max_caption": declared.max_caption,
        "send_kinds": sorted(declared.send_kinds),
        "max_file_bytes": declared.max_file_bytes,
    }
    expected = {"telegram": (4096, 1024, 50), "vk": (4096, 4096, 50), "max": (4000, 4000, 2048)}[channel]
    capabilities = detail["channel_capabilities"]
    assert (capabilities["max_text"], capabilities["max_caption"], capabilities["max_file_bytes"] // 2**20) == expected
    assert capabilities["send_kinds"] == ["document", "photo"] and capabilities["edits"] is True


# --- tenant isolation, malformed and unknown ids, on every appeal endpoint ---------------------

ENDPOINTS = [
    ("GET", "", None),
    ("POST", "/take", None),
    ("POST", "/reject", {"reason": "spam"}),
    ("POST", "/normalize", {"client_name": "x"}),
    ("POST", "/response", {"text": "hello"}),
    ("POST", "/promo", {"promo_id": "PROMO"}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ENDPOINTS)
def test_another_tenants_appeal_is_not_found_and_untouched(
    api: Api, factory: Factory, method: str, suffix: str, body: Any
) -> None:
    # Given Olga's appeal in her tenant, and Anna in another tenant with a promo of her own
    olga_tenant, anna_tenant = factory.tenant(), factory.tenant()
    olga, anna = factory.operator(olga_tenant), factory.operator(anna_tenant)
    appeal = factory.appeal(olga_tenant, operator=olga, status="in_progress")
    promo = factory.promo(anna_tenant)
    if body and body.get("promo_id"):
        body = {"promo_id": str(promo)}
    before = factory.one(
        "SELECT a.*, (SELECT count(*) FROM appeal_messages m WHERE m.appeal_id = a.id) AS n "
        "FROM appeals a WHERE id = %s",
        appeal,
    )
    token = api.login(anna)
    # When Anna uses Olga's appeal id
    reply = api.request(method, f"{APPEALS}/{appeal}{suffix}", json_body=body, token=token)
    # Then it does not exist for her, and nothing changed
    assert (reply.status, reply.error_code) == (404, "not_found")
    after = factory.one(
        "SELECT a.*, (SELECT count(*) FROM appeal_messages m WHERE m.appeal_id = a.id) AS n "
        "FROM appeals a WHERE id = %s",
        appeal,
    )
    assert after == before
    # And an unknown id answers the same, a malformed one 400
    unknown = api.request(method, f"{APPEALS}/{uuid.uuid4()}{suffix}", json_body=body, token=token)
    assert (unknown.status, unknown.error_code) == (404, "not_found")
    malformed = api.request(method, f"{APPEALS}/not-a-uuid{suffix}", json_body=body, token=token)
    assert (malformed.status, malformed.error_code) == (400, "invalid_request")


@pytest.mark.parametrize(("method", "suffix", "body"), ENDPOINTS)
def test_appeal_endpoints_need_a_session(api: Api, method: str, suffix: str, body: Any) -> None:
    if body and "promo_id" in body:
        body = {"promo_id": str(uuid.uuid4())}
    reply = api.request(method, f"{APPEALS}/{uuid.uuid4()}{suffix}", json_body=body)
    assert (reply.status, reply.error_code) == (401, "missing_token")
    assert api.get(APPEALS, token="not-a-real-token").error_code == "session_invalid"


# --- take ----------------------------------------------------------------------------------


def test_take_assigns_and_tells_the_other_phones(api: Api, factory: Factory) -> None:
    # Given a new appeal, and Anna and Boris with phones registered for pushes
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant)
    anna_token = with_phone(api, anna, f"fcm-{uuid.uuid4()}")
    boris_fcm = f"fcm-{uuid.uuid4()}"
    with_phone(api, boris, boris_fcm)
    # When Anna takes it
    reply = api.post(f"{APPEALS}/{appeal}/take", token=anna_token)
    # Then it is hers, in progress, and Boris's phone (only) is told
    assert reply.status == 200
    assert reply.body["appeal"]["status"] == "in_progress"
    assert reply.body["appeal"]["assigned_operator_id"] == str(anna.id)
    assert push_rows(factory, tenant, "appeal_taken") == [
        {
            "fcm_token": boris_fcm,
            "data": {"type": "appeal_taken", "appeal_id": str(appeal), "operator_id": str(anna.id)},
        }
    ]
    # And taking it again is 200 without a second push
    again = api.post(f"{APPEALS}/{appeal}/take", token=anna_token)
    assert again.status == 200 and again.body["appeal"]["assigned_operator_id"] == str(anna.id)
    assert len(push_rows(factory, tenant, "appeal_taken")) == 1


def test_taking_someone_elses_or_a_closed_appeal_is_409(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    held = factory.appeal(tenant, status="in_progress", operator=boris)
    closed = factory.appeal(tenant, status="closed")
    rejected = factory.appeal(tenant, status="rejected", operator=anna)
    token = api.login(anna)
    reply = api.post(f"{APPEALS}/{held}/take", token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    for appeal in (closed, rejected):
        reply = api.post(f"{APPEALS}/{appeal}/take", token=token)
        assert (reply.status, reply.error_code) == (409, "appeal_closed")
    assert factory.one("SELECT assigned_operator_id FROM appeals WHERE id = %s", held)["assigned_operator_id"] == (
        boris.id
    )


def test_of_concurrent_takers_exactly_one_wins(http_api: Api, factory: Factory) -> None:
    # Given six operators of one tenant, each signed in, and one new appeal
    tenant = factory.tenant()
    operators = [factory.operator(tenant) for _ in range(6)]
    tokens = [http_api.login(op) for op in operators]
    appeal = factory.appeal(tenant)
    barrier = threading.Barrier(len(tokens))
    replies: list[Any] = [None] * len(tokens)

    def take(i: int) -> None:
        barrier.wait()
        replies[i] = http_api.post(f"{APPEALS}/{appeal}/take", token=tokens[i])

    # When they all take it at once, over real HTTP
    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then exactly one gets 200 and holds it; every other gets 409 appeal_already_taken
    statuses = sorted((r.status, r.error_code) for r in replies)
    assert statuses == [(200, None)] + [(409, "appeal_already_taken")] * (len(tokens) - 1)
    winner = next(i for i, r in enumerate(replies) if r.status == 200)
    holder = factory.one("SELECT assigned_operator_id FROM appeals WHERE id = %s", appeal)["assigned_operator_id"]
    assert holder == operators[winner].id


# --- reject --------------------------------------------------------------------------------


def test_reject_with_a_reason(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant)
    held = factory.appeal(tenant, status="in_progress", operator=boris)
    token = api.login(anna)
    reply = api.post(f"{APPEALS}/{appeal}/reject", {"reason": "  Spam  "}, token=token)
    assert reply.status == 200 and reply.body["appeal"]["status"] == "rejected"
    row = factory.one("SELECT status, reject_reason, assigned_operator_id FROM appeals WHERE id = %s", appeal)
    assert row == {"status": "rejected", "reject_reason": "Spam", "assigned_operator_id": anna.id}
    # Rejecting again is idempotent; without a body too
    assert api.post(f"{APPEALS}/{appeal}/reject", token=token).status == 200
    assert factory.one("SELECT reject_reason FROM appeals WHERE id = %s", appeal)["reject_reason"] == "Spam"
    # Someone else's appeal is 409 and stays theirs
    reply = api.post(f"{APPEALS}/{held}/reject", {}, token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    assert factory.one("SELECT status FROM appeals WHERE id = %s", held)["status"] == "in_progress"
    # And Boris cannot reject what Anna rejected
    reply = api.post(f"{APPEALS}/{appeal}/reject", {}, token=api.login(boris))
    assert (reply.status, reply.error_code) == (409, "appeal_closed")


# --- normalize -----------------------------------------------------------------------------


def test_normalize_cleans_stores_and_returns_the_values(api: Api, factory: Factory) -> None:
    # Given an appeal in an RU tenant
    tenant = factory.tenant(phone_region="RU")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant)
    token = api.login(op)
    # When the operator normalizes what the client wrote
    body = {
        "client_name": "  иван   ПЕТРОВ ",
        "phone": "8 (912) 345-67-89",
        "car_model": " Kia \n Rio  2017 ",
        "battery_model": "Varta   Blue 60Ah",
        "summary": "  needs it   tomorrow ",
    }
    reply = api.post(f"{APPEALS}/{appeal}/normalize", body, token=token)
    # Then the cleaned values come back, are stored, and the client record follows
    expected = {
        "client_name": "Иван Петров",
        "phone": "+79123456789",
        "car_model": "Kia Rio 2017",
        "battery_model": "Varta Blue 60Ah",
        "summary": "needs it tomorrow",
    }
    assert reply.status == 200 and reply.body["normalized"] == expected
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert detail["normalized"] == expected
    assert (detail["client"]["name"], detail["client"]["phone"]) == ("Иван Петров", "+79123456789")
    # And a later call merges: fields sent replace, null clears, fields not sent stay
    reply = api.post(f"{APPEALS}/{appeal}/normalize", {"summary": None, "car_model": "Kia Rio"}, token=token)
    assert reply.body["normalized"] == {**expected, "summary": None, "car_model": "Kia Rio"}
    stored = factory.one("SELECT normalized FROM appeals WHERE id = %s", appeal)["normalized"]
    assert "summary" not in stored and stored["car_model"] == "Kia Rio"


def test_the_phone_is_read_with_the_tenants_region(api: Api, factory: Factory) -> None:
    tenant = factory.tenant(phone_region="DE")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{appeal}/normalize", {"phone": "030 1234567"}, token=api.login(op))
    assert reply.body["normalized"]["phone"] == "+49301234567"


@pytest.mark.parametrize("phone", ["call me maybe", "12", "+7 000"])
def test_an_unparseable_phone_is_400_naming_the_field(api: Api, factory: Factory, phone: str) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{appeal}/normalize", {"phone": phone, "client_name": "ivan"}, token=api.login(op))
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert "phone" in reply.body["error"]["message"]
    assert factory.one("SELECT normalized FROM appeals WHERE id = %s", appeal)["normalized"] is None


def test_normalizing_someone_elses_appeal_is_409(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant, status="in_progress", operator=boris)
    reply = api.post(f"{APPEALS}/{appeal}/normalize", {"client_name": "x"}, token=api.login(anna))
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
