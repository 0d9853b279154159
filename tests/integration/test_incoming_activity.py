"""Every kind of client message counts as activity (the unread counter, the list's last message
and its preview: the text, the caption or the kind's label), reopens a recently closed appeal and
makes the client reachable again, with exactly one push per message. Through the Telegram webhook."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
_ids = iter(range(50_000, 10**9))


def send(api: Api, tenant: Tenant, telegram_id: int, **content: Any) -> None:
    update_id = next(_ids)
    msg = {
        "message_id": update_id,
        "date": 1795348800,
        "chat": {"id": telegram_id, "type": "private"},
        "from": {"id": telegram_id, "is_bot": False, "first_name": "Olga"},
        **content,
    }
    reply = api.post(
        f"/webhook/telegram/{tenant.slug}",
        {"update_id": update_id, "message": msg},
        headers={SECRET_HEADER: tenant.webhook_secret},
    )
    assert reply.status == 200 and reply.body == {"success": True}, reply.body


def file(file_id: str, **extra: Any) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": 2048, **extra}


def phone(api: Api, op: Operator) -> str:
    token = api.login(op, "mobile")
    fcm = f"fcm-{secrets.token_hex(6)}"
    assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=token).status == 200
    return fcm


def listed(api: Api, token: str) -> dict[str, Any]:
    [appeal] = api.get(APPEALS, token=token, query={"status": "all"}).body["appeals"]
    return dict(appeal)


@pytest.mark.parametrize(
    ("content", "preview"),
    [
        ({"photo": [file("p-small", width=90, height=67), file("p-large", width=1280, height=960)]}, "[photo]"),
        ({"document": file("doc", file_name="invoice.pdf"), "caption": "  the   invoice "}, "the invoice"),
        ({"voice": file("voice", duration=3)}, "[voice message]"),
        ({"sticker": file("st", width=512, height=512, is_animated=False, type="regular")}, "[sticker]"),
        ({"location": {"latitude": 55.75, "longitude": 37.61}}, "[location]"),
        ({"contact": {"phone_number": "+79161234567", "first_name": "Olga"}}, "[contact]"),
    ],
)
def test_every_kind_counts_as_unread_and_is_the_last_message(
    api: Api, factory: Factory, content: dict[str, Any], preview: str
) -> None:
    tenant = factory.tenant()
    token = api.login(factory.operator(tenant))
    send(api, tenant, 800_001, text="Здравствуйте")
    before = listed(api, token)
    send(api, tenant, 800_001, **content)
    after = listed(api, token)
    assert (before["unread_count"], after["unread_count"]) == (1, 2)
    assert after["last_message_preview"] == preview
    assert after["last_message_at"] >= before["last_message_at"]
    detail = api.get(f"{APPEALS}/{after['id']}", token=token).body["appeal"]
    assert detail["last_message_at"] == detail["messages"][-1]["created_at"]


def test_a_new_appeal_opened_by_a_photo_is_unread_with_its_label(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    fcm = phone(api, op)
    send(api, tenant, 800_002, photo=[file("first")])
    appeal = listed(api, api.login(op, "desktop"))
    assert (appeal["status"], appeal["unread_count"], appeal["last_message_preview"]) == ("new", 1, "[photo]")
    rows = factory.query(
        "SELECT kind, fcm_token, data FROM push_outbox WHERE tenant_id = %s AND kind <> 'new_sign_in'", tenant.id
    )
    assert rows == [
        {
            "kind": "new_appeal",
            "fcm_token": fcm,
            "data": {"type": "new_appeal", "appeal_id": appeal["id"], "preview": "[photo]"},
        }
    ]


def test_a_photo_after_a_close_reopens_to_the_holder_with_one_push(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    holder, other = factory.operator(tenant), factory.operator(tenant)
    holder_fcm, _ = phone(api, holder), phone(api, other)
    client = factory.client(tenant, telegram_id=800_003)
    appeal = factory.appeal(tenant, client=client, status="closed", operator=holder)
    factory.execute("UPDATE appeals SET closed_at = now() - interval '1 hour' WHERE id = %s", appeal)
    send(api, tenant, 800_003, photo=[file("again")], caption="опять не заводится")
    rows = factory.query("SELECT id, status, assigned_operator_id, closed_at FROM appeals WHERE client_id = %s", client)
    assert rows == [{"id": appeal, "status": "in_progress", "assigned_operator_id": holder.id, "closed_at": None}]
    out = api.get(f"{APPEALS}/{appeal}", token=api.login(holder, "desktop")).body["appeal"]
    assert out["unread_count"] == 2 and out["last_message_preview"] == "опять не заводится"  # the factory's + this
    message = out["messages"][-1]
    assert message["kind"] == "photo" and message["attachments"][0]["status"] == "pending"
    assert factory.query("SELECT status FROM media_jobs WHERE tenant_id = %s", tenant.id) == [{"status": "pending"}]
    pushes = factory.query(
        "SELECT kind, fcm_token, data FROM push_outbox WHERE tenant_id = %s AND kind <> 'new_sign_in'", tenant.id
    )
    assert pushes == [
        {
            "kind": "appeal_message",
            "fcm_token": holder_fcm,
            "data": {
                "type": "appeal_message",
                "appeal_id": str(appeal),
                "message_id": message["id"],
                "preview": "опять не заводится",
            },
        }
    ]


def test_a_follow_up_in_an_open_held_appeal_is_one_push_to_the_holder(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    holder, other = factory.operator(tenant), factory.operator(tenant)
    holder_fcm, _ = phone(api, holder), phone(api, other)
    send(api, tenant, 800_004, text="first")
    appeal_id = factory.one("SELECT id FROM appeals WHERE tenant_id = %s", tenant.id)["id"]
    assert api.post(f"{APPEALS}/{appeal_id}/take", token=api.login(holder, "desktop")).status == 200
    factory.execute("DELETE FROM push_outbox WHERE tenant_id = %s AND kind <> 'new_sign_in'", tenant.id)
    send(api, tenant, 800_004, voice=file("v2", duration=2))
    pushes = factory.query(
        "SELECT kind, fcm_token FROM push_outbox WHERE tenant_id = %s AND kind <> 'new_sign_in'", tenant.id
    )
    assert pushes == [{"kind": "appeal_message", "fcm_token": holder_fcm}]


def test_any_message_makes_an_unreachable_client_reachable(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    client = factory.client(tenant, telegram_id=800_005)
    factory.execute("UPDATE clients SET reachable = false WHERE id = %s", client)
    send(api, tenant, 800_005, location={"latitude": 55.75, "longitude": 37.61})
    assert factory.one("SELECT reachable FROM clients WHERE id = %s", client) == {"reachable": True}


def test_a_client_message_is_round_trips_whatever_it_implies(api: Api, factory: Factory) -> None:
    from bench.measure import RoundTrips

    tenant = factory.tenant()
    holder = factory.operator(tenant)
    phone(api, holder)
    client = factory.client(tenant, telegram_id=800_006)
    appeal = factory.appeal(tenant, client=client, status="closed", operator=holder)
    factory.execute("UPDATE appeals SET closed_at = now() - interval '1 hour' WHERE id = %s", appeal)
    send(api, tenant, 800_007, text="warm-up: another client, a new appeal")
    # a photo that reopens the appeal, with its attachment, media job and push: one statement (the
    # tenant's account is cached since the warm-up)
    with RoundTrips().counting() as counted:
        send(api, tenant, 800_006, photo=[file("counted")], caption="снова я")
    assert counted.count == 1
    assert factory.one("SELECT status, in_seq FROM appeals WHERE id = %s", appeal) == {
        "status": "in_progress",
        "in_seq": 2,
    }
