"""What the client's side of Telegram can refuse (a fake Bot API on 127.0.0.1): a client who blocked
the bot (403 -> 409 client_unreachable, no more calls to Telegram until they write again) and a
rate-limited bot (429 -> wait a short retry_after and send once more, else 502 with Retry-After),
with the client_message_id idempotency holding across all of it."""

from __future__ import annotations

import logging
import secrets
import uuid
from typing import Any

import pytest

from shared.appeals import clients_sql as clients
from shared.channels import receive_sql
from shared.core import db
from tests.fakes.telegram import FakeTelegram
from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
BOT_TOKEN = "123456:TEST-BOT-TOKEN"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def shop(factory: Factory, telegram_id: int | None = None) -> tuple[Tenant, Operator, uuid.UUID, int]:
    telegram_id = telegram_id or secrets.randbelow(10**9) + 10**9
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=telegram_id))
    return tenant, op, appeal, telegram_id


def outgoing(factory: Factory, appeal: uuid.UUID) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT id, text, delivery_status, client_message_id FROM appeal_messages "
        "WHERE appeal_id = %s AND direction = 'out' ORDER BY created_at",
        appeal,
    )


def reachable(factory: Factory, appeal: uuid.UUID) -> bool:
    row = factory.one("SELECT c.reachable FROM clients c JOIN appeals a ON a.client_id = c.id WHERE a.id = %s", appeal)
    return bool(row["reachable"])


def client_writes(api: Api, tenant: Tenant, telegram_id: int, text: str = "Are you there?") -> None:
    update = {
        "update_id": secrets.randbelow(10**9),
        "message": {
            "message_id": secrets.randbelow(10**6),
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "first_name": "Pavel"},
            "text": text,
        },
    }
    reply = api.post(f"/webhook/telegram/{tenant.slug}", update, headers={SECRET_HEADER: tenant.webhook_secret})
    assert reply.status == 200, reply.body


# --- 403: the client blocked the bot -------------------------------------------------------------


def test_a_blocked_bot_is_409_the_message_failed_and_the_client_unreachable(
    http_api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given a client who has blocked the shop's bot
    _, op, appeal, _ = shop(factory)
    token = http_api.login(op)
    fake_telegram.fail("blocked")
    # When the operator answers
    reply = http_api.post(f"{APPEALS}/{appeal}/response", {"text": "Hello!", "client_message_id": "m1"}, token=token)
    # Then it is 409 client_unreachable (not a 502), the message kept as failed
    assert (reply.status, reply.error_code) == (409, "client_unreachable"), reply.body
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["failed"]
    assert len(fake_telegram.sent_messages()) == 1
    # And the client shows as unreachable in the detail and in the list
    detail = http_api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert detail["client"]["reachable"] is False and detail["messages"][-1]["delivery_status"] == "failed"
    listed = http_api.get(APPEALS, token=token, query={"status": "all"}).body["appeals"]
    assert [a["client"]["reachable"] for a in listed if a["id"] == str(appeal)] == [False]


@pytest.mark.parametrize("endpoint", ["response", "promo"])
def test_an_unreachable_client_is_refused_at_once_without_calling_telegram(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, endpoint: str
) -> None:
    # Given a client Telegram already reported as having blocked the bot
    tenant, op, appeal, _ = shop(factory)
    token = api.login(op)
    fake_telegram.fail("blocked")
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "first"}, token=token).status == 409
    fake_telegram.recover()  # Telegram itself is fine now; the client still blocks the bot
    calls = len(fake_telegram.calls)
    # When the operator sends anything (a new message, or the failed one again by its id)
    promo = factory.promo(tenant, text="Winter check for free!")
    body: dict[str, Any] = {"text": "second"} if endpoint == "response" else {"promo_id": str(promo)}
    for attempt in ({**body, "client_message_id": "new-1"}, {**body, "client_message_id": "new-1"}, body):
        reply = api.post(f"{APPEALS}/{appeal}/{endpoint}", attempt, token=token)
        # Then each is 409 client_unreachable, Telegram is not called and nothing new is recorded
        assert (reply.status, reply.error_code) == (409, "client_unreachable"), reply.body
    assert len(fake_telegram.calls) == calls
    assert [m["text"] for m in outgoing(factory, appeal)] == ["first"]


def test_the_client_writing_again_makes_them_reachable_and_the_retry_delivers_on_the_same_row(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given a message that failed because the client blocked the bot
    tenant, op, appeal, telegram_id = shop(factory)
    token = api.login(op)
    fake_telegram.fail("blocked")
    body = {"text": "Your battery is ready", "client_message_id": "ready-1"}
    assert api.post(f"{APPEALS}/{appeal}/response", body, token=token).error_code == "client_unreachable"
    failed_id = outgoing(factory, appeal)[0]["id"]
    assert reachable(factory, appeal) is False
    # When the client unblocks the bot and writes again
    fake_telegram.recover()
    client_writes(api, tenant, telegram_id)
    # Then they are reachable, and the same request delivers the message once, on the same row
    assert reachable(factory, appeal) is True
    retry = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert retry.status == 200 and retry.body["message"]["delivery_status"] == "sent"
    assert retry.body["message"]["id"] == str(failed_id)
    again = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert again.body == retry.body
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["sent"]
    assert [c.body["text"] for c in fake_telegram.sent_messages()] == ["Your battery is ready"] * 2


def test_a_blocked_bot_logs_neither_the_token_nor_the_url(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, captured_logs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, op, appeal, _ = shop(factory)
    fake_telegram.fail("blocked")
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "no"}, token=api.login(op))
    assert reply.error_code == "client_unreachable"
    logged = captured_logs() + "\n".join(r.getMessage() for r in caplog.records)
    assert "blocked the bot" in logged
    assert "TEST-BOT-TOKEN" not in logged and fake_telegram.url not in logged
    assert "TEST-BOT-TOKEN" not in str(reply.body)


def test_unreachability_is_per_client_and_per_tenant(api: Api, factory: Factory) -> None:
    # Given the same Telegram user as a client of two shops
    tenant, other = factory.tenant(), factory.tenant()
    mine = factory.client(tenant, telegram_id=5550001)
    theirs = factory.client(other, telegram_id=5550001)
    # When one shop marks its client unreachable (by our id, and by its channel id with the other tenant's id)
    assert db.run(lambda conn: clients.mark_reachable(conn, tenant.id, mine, False), transaction=True) is True
    assert db.run(lambda conn: clients.mark_reachable(conn, other.id, mine, True), transaction=True) is False
    # Then only that client changed; marking again changes nothing
    flags = {
        r["id"]: r["reachable"] for r in factory.query("SELECT id, reachable FROM clients WHERE telegram_id = 5550001")
    }
    assert flags == {mine: False, theirs: True}
    assert db.run(lambda conn: clients.mark_reachable(conn, tenant.id, mine, False), transaction=True) is False
    assert db.run(lambda conn: receive_sql.set_reachable(conn, tenant.id, "telegram", "5550001", True)) == 1
    assert factory.one("SELECT reachable FROM clients WHERE id = %s", mine)["reachable"] is True


def test_the_client_object_always_carries_reachable_and_phone_verified(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    tenant, op, appeal, _ = shop(factory)
    token = api.login(op)
    listed = api.get(APPEALS, token=token).body["appeals"]
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    taken = api.post(f"{APPEALS}/{appeal}/take", token=token).body["appeal"]
    for client in (listed[0]["client"], detail["client"], taken["client"]):
        assert (client["reachable"], client["phone_verified"]) == (True, False)
    factory.execute("UPDATE clients SET phone_verified = true, reachable = false WHERE tenant_id = %s", tenant.id)
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert (detail["client"]["reachable"], detail["client"]["phone_verified"]) == (False, True)


# --- 429: Telegram rate-limits the shop's bot ------------------------------------------------------


def test_a_short_rate_limit_is_waited_out_and_sent_once_more(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given Telegram answering the next call 429 with retry_after 1 (TELEGRAM_MAX_WAIT_S is 3 by default)
    _, op, appeal, _ = shop(factory)
    token = api.login(op)
    fake_telegram.rate_limit(retry_after=1)
    # When the operator answers
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi", "client_message_id": "rl-1"}, token=token)
    # Then the call waited at least retry_after, sent once more, and the message is sent
    assert reply.status == 200 and reply.body["message"]["delivery_status"] == "sent", reply.body
    first, second = fake_telegram.sent_messages()
    assert second.at - first.at >= 1.0
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["sent"]


def test_a_long_rate_limit_is_502_with_retry_after_and_the_retry_sends_once(
    http_api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given Telegram rate-limiting the bot for 30 s
    _, op, appeal, _ = shop(factory)
    token = http_api.login(op)
    fake_telegram.rate_limit(retry_after=30)
    body = {"text": "Hi", "client_message_id": "rl-2"}
    # When the operator answers
    reply = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    # Then it is 502 channel_unavailable with Retry-After: 30 at once (no waiting), the message failed
    assert (reply.status, reply.error_code) == (502, "channel_unavailable"), reply.body
    assert reply.headers["retry-after"] == "30"
    assert len(fake_telegram.sent_messages()) == 1
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["failed"]
    failed_id = str(outgoing(factory, appeal)[0]["id"])
    # And the same request later sends it once, on the same row; a further retry sends nothing
    retry = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert retry.status == 200 and retry.body["message"]["id"] == failed_id
    assert http_api.post(f"{APPEALS}/{appeal}/response", body, token=token).body == retry.body
    assert len(fake_telegram.sent_messages()) == 2
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["sent"]


def test_a_second_429_after_waiting_is_502_without_a_third_call(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given Telegram rate-limiting the next two calls for 1 s each
    tenant, op, appeal, _ = shop(factory)
    promo = factory.promo(tenant, text="Sale")
    fake_telegram.rate_limit(retry_after=1, times=2)
    # When the operator sends a promo: one wait, one more call, then 502 with Retry-After
    reply = api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": str(promo)}, token=api.login(op))
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert reply.headers["retry-after"] == "1"
    assert len(fake_telegram.sent_messages()) == 2
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["failed"]


def test_the_longest_wait_is_a_setting(api: Api, factory: Factory, fake_telegram: FakeTelegram, configure: Any) -> None:
    # Given TELEGRAM_MAX_WAIT_S=0: no rate limit is waited out
    configure(telegram_api_base_url=fake_telegram.url, telegram_max_wait_s=0)
    _, op, appeal, _ = shop(factory)
    fake_telegram.rate_limit(retry_after=1)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi"}, token=api.login(op))
    assert (reply.status, reply.error_code, reply.headers.get("retry-after")) == (502, "channel_unavailable", "1")
    assert len(fake_telegram.sent_messages()) == 1


def test_a_429_without_retry_after_is_a_plain_502(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    _, op, appeal, _ = shop(factory)
    fake_telegram.rate_limit(retry_after=None)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi"}, token=api.login(op))
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert "retry-after" not in reply.headers
    assert len(fake_telegram.sent_messages()) == 1
    assert [m["delivery_status"] for m in outgoing(factory, appeal)] == ["failed"]
