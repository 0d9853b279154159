"""A ``plain:`` Telegram bot token reference works in local development only: deployed (in Lambda)
it is refused with a clear error, and the admin tool warns about every tenant that has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.helpers import Api, Factory
from tests.integration.test_admin_cli import admin

pytestmark = pytest.mark.integration

BOT_TOKEN = "987654:PLAIN-TOKEN-IN-A-COLUMN"


def test_in_lambda_a_plain_bot_token_is_refused_and_never_logged(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, configure: Any, captured_logs: Any
) -> None:
    # Given a tenant whose bot token sits in the database, and the functions running in Lambda
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=5151))
    configure(aws_lambda_function_name="batterycrm-appeal-response")
    token = api.login(op)
    # When an operator answers
    reply = api.post(f"/webhook/api/operator/appeals/{appeal}/response", {"text": "Hello"}, token=token)
    # Then nothing goes to Telegram: 502 channel_unavailable saying why, the message kept as failed
    assert (reply.status, reply.error_code) == (502, "channel_unavailable")
    assert "Secrets Manager" in reply.body["error"]["message"]
    assert fake_telegram.sent_messages() == []
    row = factory.one("SELECT delivery_status FROM appeal_messages WHERE appeal_id = %s AND direction = 'out'", appeal)
    assert row["delivery_status"] == "failed"
    # And the log names the tenant, never the token
    logs = captured_logs()
    assert "plain: bot token reference refused" in logs and str(tenant.id) in logs
    assert BOT_TOKEN not in logs and "PLAIN-TOKEN" not in logs


def test_outside_lambda_a_plain_bot_token_still_works(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=5152))
    reply = api.post(f"/webhook/api/operator/appeals/{appeal}/response", {"text": "Hi"}, token=api.login(op))
    assert reply.status == 200, reply.body
    assert [c.token for c in fake_telegram.sent_messages()] == [BOT_TOKEN]


def test_the_admin_tool_warns_about_a_tenant_with_a_plain_bot_token(database_url: str, factory: Factory) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    result = admin(database_url, "list-sessions", op.login)
    assert result.returncode == 0, result.stderr
    assert f"warning: tenant {tenant.slug} keeps its Telegram bot token in the database" in result.stderr
    assert BOT_TOKEN not in result.stderr + result.stdout
