"""Answering clients and sending promos over Telegram (a fake Bot API on 127.0.0.1)."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters

from tests.fakes.telegram import FakeTelegram
from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
BOT_TOKEN = "123456:TEST-BOT-TOKEN"


def shop(factory: Factory, telegram_id: int = 424242) -> tuple[Tenant, Operator, uuid.UUID]:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=telegram_id))
    return tenant, op, appeal


def messages(factory: Factory, appeal: uuid.UUID) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT text, kind, delivery_status, external_message_id, operator_id, client_message_id "
        "FROM appeal_messages WHERE appeal_id = %s AND direction = 'out' ORDER BY created_at",
        appeal,
    )


def test_response_is_sent_recorded_and_takes_the_appeal(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    # Given an unassigned appeal of a client with Telegram id 424242
    _, op, appeal = shop(factory)
    token = api.login(op)
    # When the operator answers
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Есть в наличии, 7 900 ₽"}, token=token)
    # Then Telegram got sendMessage through the tenant's bot, to the client
    assert reply.status == 200, reply.body
    assert [(c.token, c.body) for c in fake_telegram.sent_messages()] == [
        (BOT_TOKEN, {"chat_id": 424242, "text": "Есть в наличии, 7 900 ₽"})
    ]
    message = reply.body["message"]
    assert (message["direction"], message["kind"], message["delivery_status"]) == ("out", "text", "sent")
    assert message["operator_id"] == str(op.id) and reply.body["appeal_id"] == str(appeal)
    # And the appeal is now the operator's, with the message in its history
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert detail["status"] == "in_progress" and detail["assigned_operator_id"] == str(op.id)
    assert detail["messages"][-1] == message
    assert messages(factory, appeal)[0]["external_message_id"] is not None


def test_a_retry_with_the_same_client_message_id_sends_nothing_again(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    _, op, appeal = shop(factory)
    token = api.login(op)
    body = {"text": "Hello!", "client_message_id": "phone-msg-1"}
    first = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    second = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert first.status == second.status == 200
    assert second.body == first.body
    assert len(fake_telegram.sent_messages()) == 1
    assert len(messages(factory, appeal)) == 1
    # A different client_message_id is a different message
    api.post(f"{APPEALS}/{appeal}/response", {**body, "client_message_id": "phone-msg-2"}, token=token)
    assert len(fake_telegram.sent_messages()) == 2


@pytest.mark.parametrize("failure", ["error", "refuse", "hang"])
def test_telegram_down_is_502_the_message_kept_failed_and_the_retry_delivers(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, configure: Any, failure: str
) -> None:
    # Given Telegram failing (HTTP 500), refusing (ok: false) or not answering in time
    configure(telegram_api_base_url=fake_telegram.url, telegram_timeout_s=0.3)
    _, op, appeal = shop(factory)
    token = api.login(op)
    fake_telegram.fail(failure)
    body = {"text": "Hello!", "client_message_id": "retry-me"}
    # When the operator answers
    reply = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    # Then it is 502 channel_unavailable and the message is kept as failed
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert [m["delivery_status"] for m in messages(factory, appeal)] == ["failed"]
    failed = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]["messages"][-1]
    assert failed["delivery_status"] == "failed"
    # And once Telegram is back, the same request delivers it, on the same row
    fake_telegram.recover()
    retry = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert retry.status == 200 and retry.body["message"]["delivery_status"] == "sent"
    assert retry.body["message"]["id"] == failed["id"]
    assert [m["delivery_status"] for m in messages(factory, appeal)] == ["sent"]


def test_a_tenant_without_a_bot_is_502(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    tenant, op, appeal = shop(factory)
    factory.telegram_bot(tenant, None)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi"}, token=api.login(op))
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert fake_telegram.sent_messages() == []
    assert [m["delivery_status"] for m in messages(factory, appeal)] == ["failed"]


def test_answering_someone_elses_or_a_closed_appeal_is_409(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    tenant, anna, _ = shop(factory)
    boris = factory.operator(tenant)
    held = factory.appeal(tenant, status="in_progress", operator=boris)
    closed = factory.appeal(tenant, status="closed", operator=anna)
    token = api.login(anna)
    reply = api.post(f"{APPEALS}/{held}/response", {"text": "Hi"}, token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    reply = api.post(f"{APPEALS}/{closed}/response", {"text": "Hi"}, token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_closed")
    assert fake_telegram.sent_messages() == [] and messages(factory, held) == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 4097, None])
def test_response_text_must_be_1_to_4096_characters(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, text: str | None
) -> None:
    _, op, appeal = shop(factory)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": text}, token=api.login(op))
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert fake_telegram.sent_messages() == []


def test_4096_characters_are_fine(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    _, op, appeal = shop(factory)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "я" * 4096}, token=api.login(op))
    assert reply.status == 200


def test_promo_is_sent_like_a_response_and_recorded_as_promo(
    api: Api, factory: Factory, fake_telegram: FakeTelegram
) -> None:
    tenant, op, appeal = shop(factory)
    promo = factory.promo(tenant, text="Winter check for free!")
    token = api.login(op)
    reply = api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": str(promo), "client_message_id": "p1"}, token=token)
    assert reply.status == 200 and reply.body["message"]["kind"] == "promo"
    again = api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": str(promo), "client_message_id": "p1"}, token=token)
    assert again.body == reply.body
    assert [c.body["text"] for c in fake_telegram.sent_messages()] == ["Winter check for free!"]
    assert [(m["kind"], m["text"]) for m in messages(factory, appeal)] == [("promo", "Winter check for free!")]


def test_another_tenants_or_an_inactive_promo_is_404(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    tenant, op, appeal = shop(factory)
    foreign = factory.promo(factory.tenant())
    inactive = factory.promo(tenant, is_active=False)
    token = api.login(op)
    for promo in (foreign, inactive, uuid.uuid4()):
        reply = api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": str(promo)}, token=token)
        assert (reply.status, reply.error_code) == (404, "not_found")
    reply = api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": "nope"}, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert fake_telegram.sent_messages() == [] and messages(factory, appeal) == []


def test_dry_run_logs_instead_of_sending(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, configure: Any, captured_logs: Any
) -> None:
    configure(telegram_api_base_url=fake_telegram.url, telegram_dry_run="true")
    tenant, op, appeal = shop(factory)
    factory.telegram_bot(tenant, None)
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "secret price 123"}, token=api.login(op))
    assert reply.status == 200 and reply.body["message"]["delivery_status"] == "sent"
    assert fake_telegram.sent_messages() == []
    logs = captured_logs()
    assert "TELEGRAM_DRY_RUN" in logs and "secret price 123" not in logs


def test_the_bot_token_never_reaches_a_log(
    api: Api,
    factory: Factory,
    fake_telegram: FakeTelegram,
    captured_logs: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _, op, appeal = shop(factory)
    token = api.login(op)
    api.post(f"{APPEALS}/{appeal}/response", {"text": "ok"}, token=token)
    fake_telegram.fail("refuse")
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "no"}, token=token).status == 502
    logged = captured_logs() + "\n".join(r.getMessage() for r in caplog.records)
    assert "refused" in logged
    assert BOT_TOKEN not in logged and "TEST-BOT-TOKEN" not in logged and fake_telegram.url not in logged


@pytest.mark.parametrize("shape", ["plain", "json"])
def test_the_bot_token_from_secrets_manager(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, secrets_manager: Any, configure: Any, shape: str
) -> None:
    # Given the tenant's bot token in Secrets Manager
    value = "777:FROM-SECRETS-MANAGER" if shape == "plain" else json.dumps({"bot_token": "777:FROM-SECRETS-MANAGER"})
    arn = secrets_manager.create_secret(Name=f"batterycrm/telegram/{uuid.uuid4()}", SecretString=value)["ARN"]
    configure(telegram_api_base_url=fake_telegram.url, aws_region="eu-central-1", aws_default_region="eu-central-1")
    tenant, op, appeal = shop(factory)
    factory.telegram_bot(tenant, f"secretsmanager:{arn}")
    # When the operator answers, the message goes through that bot
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi"}, token=api.login(op))
    assert reply.status == 200
    assert [c.token for c in fake_telegram.sent_messages()] == ["777:FROM-SECRETS-MANAGER"]
    # And a reference to a missing secret is 502, not a crash
    factory.telegram_bot(tenant, "secretsmanager:batterycrm/telegram/missing")
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hi again"}, token=api.login(op))
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
