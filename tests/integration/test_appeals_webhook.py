"""The Telegram webhook: a client's message becomes (or joins) an appeal, exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import psycopg
import pytest

from shared.channels import receive_sql
from shared.core import db
from shared.core.settings import get_settings
from shared.core.sql import live_session_params
from tests.helpers import Api, Factory, Tenant, at_once
from tests.integration.channel_helpers import parses_of

pytestmark = pytest.mark.integration

SECRET_HEADER = "x-telegram-bot-api-secret-token"


def update(update_id: int, telegram_id: int, text: str | None, chat_type: str = "private") -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id + 10,
        "date": 1795348800,
        "chat": {"id": telegram_id, "type": chat_type},
        "from": {"id": telegram_id, "is_bot": False, "first_name": "Ivan", "last_name": "Petrov", "username": "ivp"},
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


def post(api: Api, tenant: Tenant, body: Any, secret: str | None = None) -> Any:
    headers = {SECRET_HEADER: tenant.webhook_secret if secret is None else secret}
    return api.post(f"/webhook/telegram/{tenant.slug}", body, headers=headers)


def state(factory: Factory, tenant: Tenant) -> dict[str, Any]:
    count = "SELECT count(*) AS n FROM {} WHERE tenant_id = %s"
    return {t: factory.one(count.format(t), tenant.id)["n"] for t in ("clients", "appeals", "appeal_messages")} | {
        "push": factory.one(count.format("push_outbox"), tenant.id)["n"]
    }


def test_a_new_clients_message_opens_an_appeal_and_queues_the_push(api: Api, factory: Factory) -> None:
    # Given a tenant whose operator has a phone registered for pushes
    tenant = factory.tenant()
    op = factory.operator(tenant)
    token = api.login(op)
    api.post("/webhook/android-register-fcm", {"fcm_token": f"fcm-{tenant.slug}"}, token=token)
    # When a new client writes to the shop's bot
    reply = post(api, tenant, update(1, 555001, "Нужен аккумулятор  на Kia Rio"))
    # Then the webhook answers 200, and the client, a new appeal and its message exist
    assert reply.status == 200 and reply.body == {"success": True}
    appeals = api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    assert len(appeals) == 1
    appeal = appeals[0]
    assert appeal["status"] == "new" and appeal["assigned_operator_id"] is None
    assert appeal["preview"] == "Нужен аккумулятор на Kia Rio"
    assert appeal["client"]["name"] == "Ivan Petrov"
    detail = api.get(f"/webhook/api/operator/appeals/{appeal['id']}", token=token).body["appeal"]
    assert detail["client"]["telegram_id"] == 555001
    assert [(m["direction"], m["text"], m["delivery_status"]) for m in detail["messages"]] == [
        ("in", "Нужен аккумулятор  на Kia Rio", "received")
    ]
    # And the new_appeal push is queued for the phone, in the outbox
    pushes = factory.query("SELECT kind, data, fcm_token FROM push_outbox WHERE tenant_id = %s", tenant.id)
    assert pushes == [
        {
            "kind": "new_appeal",
            "fcm_token": f"fcm-{tenant.slug}",
            "data": {"type": "new_appeal", "appeal_id": appeal["id"], "preview": "Нужен аккумулятор на Kia Rio"},
        }
    ]


def test_further_messages_join_the_open_appeal_and_a_closed_one_starts_anew(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    post(api, tenant, update(1, 555002, "Hello"))
    post(api, tenant, update(2, 555002, "Are you there?"))
    appeals = factory.query("SELECT id, preview FROM appeals WHERE tenant_id = %s", tenant.id)
    assert len(appeals) == 1 and appeals[0]["preview"] == "Are you there?"
    assert state(factory, tenant)["appeal_messages"] == 2
    # Once the appeal is closed, the client's next message opens a new one
    factory.execute("UPDATE appeals SET status = 'closed' WHERE tenant_id = %s", tenant.id)
    post(api, tenant, update(3, 555002, "One more question"))
    statuses = factory.query("SELECT status FROM appeals WHERE tenant_id = %s ORDER BY created_at", tenant.id)
    assert [s["status"] for s in statuses] == ["closed", "new"]
    assert state(factory, tenant)["clients"] == 1


def test_a_repeated_update_changes_nothing(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    assert post(api, tenant, update(77, 555003, "Hi")).status == 200
    before = state(factory, tenant)
    again = post(api, tenant, update(77, 555003, "Hi"))
    assert again.status == 200 and state(factory, tenant) == before


@pytest.mark.parametrize("secret", ["", "wrong-secret", None])
def test_a_wrong_or_missing_secret_is_401(api: Api, factory: Factory, secret: str | None) -> None:
    tenant = factory.tenant()
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    reply = api.post(f"/webhook/telegram/{tenant.slug}", update(1, 555004, "Hi"), headers=headers)
    assert (reply.status, reply.error_code) == (401, "unauthorized")
    assert state(factory, tenant) == {"clients": 0, "appeals": 0, "appeal_messages": 0, "push": 0}


def test_an_unknown_shop_is_401_like_a_wrong_secret(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    reply = api.post(
        "/webhook/telegram/no-such-shop", update(1, 555005, "Hi"), headers={SECRET_HEADER: tenant.webhook_secret}
    )
    assert (reply.status, reply.error_code) == (401, "unauthorized")


def test_another_tenants_secret_does_not_open_this_tenants_webhook(api: Api, factory: Factory) -> None:
    mine, theirs = factory.tenant(), factory.tenant()
    reply = post(api, mine, update(1, 555006, "Hi"), secret=theirs.webhook_secret)
    assert reply.status == 401


def test_a_rotated_secret_works_at_once_and_the_old_one_is_refused(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    assert post(api, tenant, update(1, 555020, "Hi")).status == 200  # the account is now cached
    factory.execute("UPDATE tenants SET telegram_webhook_secret = 'rotated-secret' WHERE id = %s", tenant.id)
    # the new secret does not verify against the cached account: it is read again, and accepted
    assert post(api, tenant, update(2, 555020, "new secret"), secret="rotated-secret").status == 200
    reply = post(api, tenant, update(3, 555020, "old secret"))
    assert (reply.status, reply.error_code) == (401, "unauthorized")
    assert state(factory, tenant) == {"clients": 1, "appeals": 1, "appeal_messages": 2, "push": 0}


def test_an_old_secret_stops_when_the_cached_account_is_older_than_the_max_age(
    api: Api, factory: Factory, configure: Any
) -> None:
    configure(channel_accounts_max_age_s=0)  # every cached account is already too old
    tenant = factory.tenant()
    assert post(api, tenant, update(1, 555021, "Hi")).status == 200
    factory.execute("UPDATE tenants SET telegram_webhook_secret = 'rotated-secret' WHERE id = %s", tenant.id)
    reply = post(api, tenant, update(2, 555021, "old secret, nothing sent with the new one yet"))
    assert (reply.status, reply.error_code) == (401, "unauthorized")
    assert state(factory, tenant)["appeal_messages"] == 1


def test_a_text_message_is_one_round_trip_once_the_account_is_cached(api: Api, factory: Factory) -> None:
    from bench.measure import RoundTrips

    tenant = factory.tenant()
    with RoundTrips().counting() as cold:
        assert post(api, tenant, update(1, 555022, "Hi")).status == 200
    with RoundTrips().counting() as warm:
        assert post(api, tenant, update(2, 555022, "again")).status == 200
    assert (cold.count, warm.count) == (2, 1)  # the account lookup, then only the one receive statement


def test_a_delivery_is_parsed_once_by_the_guard(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    body = update(1, 555023, "Hi")
    with parses_of(body) as parses:
        assert post(api, tenant, body).status == 200
    assert len(parses) == 1
    assert state(factory, tenant)["appeal_messages"] == 1


@pytest.mark.parametrize(
    "body",
    [
        update(1, 555007, None),  # a sticker or photo: no text
        update(1, 555007, "hi all", chat_type="group"),
        {"update_id": 1, "edited_message": update(1, 555007, "edited")["message"]},
        {"update_id": 1, "callback_query": {"id": "1", "data": "x"}},
    ],
)
def test_other_updates_are_200_and_ignored(api: Api, factory: Factory, body: dict[str, Any]) -> None:
    tenant = factory.tenant()
    assert post(api, tenant, body).status == 200
    assert state(factory, tenant) == {"clients": 0, "appeals": 0, "appeal_messages": 0, "push": 0}


def test_a_body_that_is_not_an_update_is_400_after_the_secret_check(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    assert post(api, tenant, {"hello": "world"}).status == 400
    assert post(api, tenant, {"hello": "world"}, secret="wrong").status == 401


def test_concurrent_first_messages_of_a_new_client_open_one_appeal(http_api: Api, factory: Factory) -> None:
    # Given a new client sending several messages that Telegram delivers at the same moment
    tenant = factory.tenant()
    n = 6
    replies = at_once([partial(post, http_api, tenant, update(100 + i, 555008, f"m {i}")) for i in range(n)])
    statuses = [reply.status for reply in replies]
    # Then all are accepted, into one client and one open appeal holding every message
    assert statuses == [200] * n
    assert state(factory, tenant) | {"push": 0} == {"clients": 1, "appeals": 1, "appeal_messages": n, "push": 0}


def test_first_messages_of_new_clients_racing_in_the_database_are_all_stored(factory: Factory) -> None:
    # Given new Telegram clients, each with several first messages (an album is one update per
    # photo) reaching the receive statement at the same moment, each on its own thread's connection
    # as on concurrent Lambda containers
    tenant = factory.tenant()
    clients, n = 50, 6
    settings = get_settings()
    errors: list[psycopg.Error] = []

    def receive(client: int, i: int) -> None:
        try:
            db.run(
                lambda conn: receive_sql.receive(
                    conn, tenant_id=tenant.id, channel="telegram", update_id=f"{client}-{i}",
                    external_id=str(556000 + client), name="Racer", username=None, own_phone=None, kind="text",
                    text=f"message {i}", preview=f"message {i}", external_message_id=str(i), location=None,
                    contact=None, files=[], reopen_window_hours=24, **live_session_params(settings),
                )
            )  # fmt: skip
        except psycopg.Error as exc:
            errors.append(exc)

    with ThreadPoolExecutor(n) as pool:
        try:
            for client in range(clients):
                at_once([partial(receive, client, i) for i in range(n)], pool)
        finally:
            at_once([db.close] * n, pool)  # each thread's connection
    # Then none failed, and each client has one appeal holding all their messages
    assert errors == []
    assert state(factory, tenant) == {
        "clients": clients, "appeals": clients, "appeal_messages": clients * n, "push": 0
    }  # fmt: skip
