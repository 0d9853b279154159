"""A client writing again after a close: within REOPEN_WINDOW_HOURS the appeal reopens (to its
holder, or as new); later, or after a reject, a new appeal opens. Through the Telegram webhook."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest

from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
_update_ids = iter(range(10_000, 10**9))


def write(api: Api, tenant: Tenant, telegram_id: int, text: str) -> None:
    update_id = next(_update_ids)
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1795348800,
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "is_bot": False, "first_name": "Ivan"},
            "text": text,
        },
    }
    reply = api.post(f"/webhook/telegram/{tenant.slug}", body, headers={SECRET_HEADER: tenant.webhook_secret})
    assert reply.status == 200, reply.body


def with_phone(api: Api, op: Operator, fcm: str) -> str:
    token = api.login(op, "mobile")
    assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=token).status == 200
    return token


def client_appeals(factory: Factory, client: UUID) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT id, status, assigned_operator_id, closed_at FROM appeals WHERE client_id = %s ORDER BY created_at",
        client,
    )


def closed_appeal(
    factory: Factory, tenant: Tenant, telegram_id: int, *, hours_ago: float, operator: Operator | None, status: str
) -> tuple[UUID, UUID]:
    client = factory.client(tenant, telegram_id=telegram_id)
    appeal = factory.appeal(tenant, client=client, status=status, operator=operator)
    factory.execute(
        "UPDATE appeals SET closed_at = CASE WHEN status = 'closed' THEN now() - make_interval(secs => %s) END, "
        "created_at = now() - make_interval(secs => %s + 60) WHERE id = %s",
        hours_ago * 3600,
        hours_ago * 3600,
        appeal,
    )
    return client, appeal


def test_writing_within_the_window_reopens_to_the_holder_and_pushes_appeal_message(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    anna_phone = with_phone(api, anna, f"fcm-anna-{tenant.slug}")
    with_phone(api, boris, f"fcm-boris-{tenant.slug}")
    client, appeal = closed_appeal(factory, tenant, 5551001, hours_ago=71, operator=anna, status="closed")
    write(api, tenant, 5551001, "Аккумулятор снова садится")
    assert [
        (a["id"], a["status"], a["assigned_operator_id"], a["closed_at"]) for a in client_appeals(factory, client)
    ] == [(appeal, "in_progress", anna.id, None)]
    out = api.get(f"{APPEALS}/{appeal}", token=anna_phone).body["appeal"]
    assert out["status"] == "in_progress" and out["closed_at"] is None
    assert out["last_message_preview"] == "Аккумулятор снова садится" and out["unread_count"] == 2
    message_id = out["messages"][-1]["id"]
    rows = factory.query("SELECT kind, fcm_token, data FROM push_outbox WHERE tenant_id = %s", tenant.id)
    assert rows == [
        {
            "kind": "appeal_message",
            "fcm_token": f"fcm-anna-{tenant.slug}",
            "data": {
                "type": "appeal_message",
                "appeal_id": str(appeal),
                "message_id": message_id,
                "preview": "Аккумулятор снова садится",
            },
        }
    ]


def test_writing_within_the_window_reopens_an_unheld_appeal_as_new(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    with_phone(api, anna, f"fcm-anna-{tenant.slug}")
    client, appeal = closed_appeal(factory, tenant, 5551002, hours_ago=1, operator=None, status="closed")
    write(api, tenant, 5551002, "Ещё вопрос")
    assert [(a["id"], a["status"], a["assigned_operator_id"]) for a in client_appeals(factory, client)] == [
        (appeal, "new", None)
    ]
    rows = factory.query("SELECT kind, data FROM push_outbox WHERE tenant_id = %s", tenant.id)
    assert rows == [
        {"kind": "new_appeal", "data": {"type": "new_appeal", "appeal_id": str(appeal), "preview": "Ещё вопрос"}}
    ]


@pytest.mark.parametrize(("hours_ago", "status"), [(73, "closed"), (1, "rejected")])
def test_after_the_window_or_a_reject_a_new_appeal_opens(
    api: Api, factory: Factory, hours_ago: float, status: str
) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    client, old = closed_appeal(factory, tenant, 5551003, hours_ago=hours_ago, operator=anna, status=status)
    write(api, tenant, 5551003, "Здравствуйте")
    appeals = client_appeals(factory, client)
    assert [(a["id"], a["status"]) for a in appeals] == [(old, status), (appeals[1]["id"], "new")]
    assert appeals[1]["assigned_operator_id"] is None


def test_the_window_is_a_setting(api: Api, factory: Factory, configure: Any) -> None:
    configure(reopen_window_hours=2)
    tenant = factory.tenant()
    client, _ = closed_appeal(factory, tenant, 5551004, hours_ago=3, operator=None, status="closed")
    write(api, tenant, 5551004, "Hi again")
    assert [a["status"] for a in client_appeals(factory, client)] == ["closed", "new"]


def test_only_the_latest_appeal_reopens(api: Api, factory: Factory) -> None:
    # A closed appeal followed by a rejected one: the reject wins, a new appeal opens
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    client, first = closed_appeal(factory, tenant, 5551005, hours_ago=5, operator=anna, status="closed")
    second = factory.appeal(tenant, client=client, status="rejected", operator=anna)
    write(api, tenant, 5551005, "Hello?")
    statuses = [(a["id"], a["status"]) for a in client_appeals(factory, client)]
    assert statuses[:2] == [(first, "closed"), (second, "rejected")] and statuses[2][1] == "new"


def test_concurrent_messages_after_a_close_reopen_once(http_api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    client, appeal = closed_appeal(factory, tenant, 5551006, hours_ago=2, operator=anna, status="closed")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        barrier.wait()
        try:
            write(http_api, tenant, 5551006, f"message {i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [(a["id"], a["status"]) for a in client_appeals(factory, client)] == [(appeal, "in_progress")]
    count = factory.one(
        "SELECT in_seq, (SELECT count(*) FROM appeal_messages m WHERE m.appeal_id = a.id) AS n "
        "FROM appeals a WHERE id = %s",
        appeal,
    )
    assert count == {"in_seq": 5, "n": 5}


def test_the_whole_day_close_then_the_client_writes_again(api: Api, factory: Factory, fake_telegram: Any) -> None:
    """take -> answer with a quick reply -> note -> transfer -> close -> the client writes -> reopened."""
    tenant = factory.tenant()
    factory.telegram_bot(tenant)
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    anna_token, boris_token = api.login(anna), api.login(boris)
    write(api, tenant, 5551007, "Нужен аккумулятор 60Ah")
    appeal = api.get(APPEALS, token=anna_token).body["appeals"][0]["id"]
    assert api.post(f"{APPEALS}/{appeal}/take", token=anna_token).status == 200
    reply = api.post(
        "/webhook/api/operator/quick-replies",
        {"title": "Hello", "text": "Здравствуйте! Есть в наличии."},
        token=anna_token,
    )
    quick = api.get("/webhook/api/operator/quick-replies", token=anna_token).body["quick_replies"]
    assert reply.status == 201 and quick == [reply.body["quick_reply"]]
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": quick[0]["text"]}, token=anna_token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/notes", {"text": "Boris knows Bosch"}, token=anna_token).status == 200
    reply = api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(boris.id)}, token=anna_token)
    assert reply.status == 200
    assert api.post(f"{APPEALS}/{appeal}/close", {"resolution": "Sold"}, token=boris_token).status == 200
    write(api, tenant, 5551007, "Спасибо! Какая гарантия?")
    detail = api.get(f"{APPEALS}/{appeal}", token=boris_token).body["appeal"]
    assert detail["status"] == "in_progress" and detail["assigned_operator_id"] == str(boris.id)
    assert [m["direction"] for m in detail["messages"]] == ["in", "out", "note", "in"]
    assert detail["last_message_preview"] == "Спасибо! Какая гарантия?" and detail["unread_count"] == 2
    assert [m.body["text"] for m in fake_telegram.sent_messages()] == ["Здравствуйте! Есть в наличии."]
