"""Business metrics: what each invocation writes as CloudWatch EMF (one JSON line on stdout,
flushed when the handler returns), as CloudWatch would read it."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import Any

import pytest

from shared import push
from shared.core import db, metrics
from tests.conftest import load_function
from tests.fakes.fcm import FakeFcm
from tests.fakes.telegram import FakeTelegram
from tests.helpers import Api, Factory, LambdaContext, Tenant

pytestmark = pytest.mark.integration

LOGIN = "/webhook/android/auth/login"
APPEALS = "/webhook/api/operator/appeals"
BOT_TOKEN = "123456:TEST-BOT-TOKEN"


@pytest.fixture(autouse=True)
def _no_metrics_of_earlier_tests() -> None:
    """Metrics a background worker of an earlier test recorded outside any handler (make run's
    workers are not Lambda invocations) would otherwise join this test's first line."""
    metrics.flush()


def emf(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF documents printed since the last call."""
    lines = capsys.readouterr().out.splitlines()
    return [doc for doc in map(_json, lines) if isinstance(doc, dict) and "_aws" in doc]


def _json(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def totals(docs: list[dict[str, Any]]) -> Counter[str]:
    """Sum of every metric's values, keyed ``Name`` or ``Name{dim=value}`` for extra dimensions."""
    found: Counter[str] = Counter()
    for doc in docs:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "BatteryCRM"
            dims = [d for group in directive["Dimensions"] for d in group if d != "service"]
            suffix = "{" + ",".join(f"{d}={doc[d]}" for d in dims) + "}" if dims else ""
            for metric in directive["Metrics"]:
                values = doc[metric["Name"]]
                found[metric["Name"] + suffix] += sum(values) if isinstance(values, list) else values
    return found


def webhook(api: Api, tenant: Tenant, telegram_id: int, text: str, secret: str | None = None) -> int:
    update = {
        "update_id": secrets.randbelow(2**31),
        "message": {
            "message_id": secrets.randbelow(10**6),
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "first_name": "Pavel"},
            "text": text,
        },
    }
    headers = {"x-telegram-bot-api-secret-token": secret or tenant.webhook_secret}
    return api.post(f"/webhook/telegram/{tenant.slug}", update, headers=headers).status


def test_logins_failed_logins_and_replaced_sessions(
    api: Api, factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    op = factory.operator()
    emf(capsys)
    api.login(op)
    assert totals(emf(capsys)) == {"Logins": 1}
    assert api.post(LOGIN, {"login": op.login, "password": "wrong-password"}).status == 401
    assert totals(emf(capsys)) == {"LoginsFailed": 1}
    api.login(op)  # the same device type again: the first session is replaced
    assert totals(emf(capsys)) == {"Logins": 1, "SessionsReplaced": 1}


def test_every_invocation_flushes_its_own_line_with_the_service_dimension(
    api: Api, factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    op = factory.operator()
    emf(capsys)
    api.login(op)
    api.login(op, "desktop")
    docs = emf(capsys)
    assert len(docs) == 2
    assert all(doc["service"] == "batterycrm" for doc in docs)
    assert all(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]] for doc in docs)


def test_messages_in_and_appeals_opened_and_rejected_webhooks(
    api: Api, factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = factory.tenant()
    emf(capsys)
    assert webhook(api, tenant, 5151, "Нужен аккумулятор") == 200
    assert totals(emf(capsys)) == {"MessagesIn": 1, "AppealsOpened": 1}
    assert webhook(api, tenant, 5151, "Для Kia Rio") == 200  # the same open appeal
    assert totals(emf(capsys)) == {"MessagesIn": 1}
    assert webhook(api, tenant, 5151, "hi", secret="wrong-secret") == 401
    assert totals(emf(capsys)) == {"TelegramWebhookRejected": 1}


def test_messages_out_and_telegram_failures_by_kind(
    api: Api, factory: Factory, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    token = api.login(op)
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=616161))
    emf(capsys)
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "Есть"}, token=token).status == 200
    assert totals(emf(capsys)) == {"MessagesOut": 1}
    failed = "ServerErrors{route=POST /webhook/api/operator/appeals/{id}/response}"  # 502 channel_unavailable
    fake_telegram.fail("error")
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "Ещё"}, token=token).status == 502
    assert totals(emf(capsys)) == {"TelegramFailures{kind=refused}": 1, failed: 1}
    fake_telegram.fail("blocked")  # 403: the client blocked the bot -> 409 client_unreachable, no server error
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "И ещё"}, token=token).status == 409
    assert totals(emf(capsys)) == {"TelegramFailures{kind=blocked}": 1}


def test_the_dispatcher_reports_pushes_sent_failed_dead_and_the_backlog_age(
    api: Api, factory: Factory, fake_fcm: FakeFcm, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(fcm_api_base_url=fake_fcm.url, push_max_attempts=2)
    tenant = factory.tenant()
    for _ in range(3):
        phone = api.login(factory.operator(tenant))
        assert api.post("/webhook/android-register-fcm", {"fcm_token": secrets.token_hex(8)}, token=phone).status == 200

    def queue() -> None:
        db.run(
            lambda conn: push.enqueue_for_tenant_mobiles(conn, tenant.id, "new_appeal", {"appeal_id": "a"}),
            transaction=True,
        )
        factory.execute(
            "UPDATE push_outbox SET created_at = now() - interval '90 seconds' "
            "WHERE tenant_id = %s AND status = 'pending'",
            tenant.id,
        )

    dispatcher = load_function("push_dispatcher").lambda_handler
    queue()
    emf(capsys)
    assert dispatcher({}, LambdaContext("push-dispatcher"))["sent"] == 3
    found = totals(emf(capsys))
    assert found["PushesSent"] == 3 and "PushesFailed" not in found and "PushesDead" not in found
    assert found["JobBacklogAgeSeconds"] == 0  # nothing left waiting

    fake_fcm.fail_next(6, status=500)
    queue()
    dispatcher({}, LambdaContext("push-dispatcher"))
    found = totals(emf(capsys))
    assert found["PushesFailed"] == 3
    assert 90 <= found["JobBacklogAgeSeconds"] < 150  # the oldest pending push waits for its retry
    factory.execute(
        "UPDATE push_outbox SET next_attempt_at = now() WHERE tenant_id = %s AND status = 'pending'", tenant.id
    )
    dispatcher({}, LambdaContext("push-dispatcher"))
    found = totals(emf(capsys))
    assert found["PushesDead"] == 3 and found["JobBacklogAgeSeconds"] == 0


def test_disabled_metrics_print_nothing(
    api: Api, factory: Factory, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(powertools_metrics_disabled="true")
    op = factory.operator()
    emf(capsys)
    api.login(op)
    assert api.post(LOGIN, {"login": op.login, "password": "wrong-password"}).status == 401
    assert emf(capsys) == []


def test_a_5xx_answer_is_counted_per_route(
    api: Api, factory: Factory, configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant = factory.tenant()
    configure(database_url="postgresql://nobody@127.0.0.1:1/none", db_connect_timeout_s=1)
    emf(capsys)
    assert webhook(api, tenant, 7171, "hello") == 503
    assert totals(emf(capsys)) == {"ServerErrors{route=POST /webhook/telegram/{tenant_slug}}": 1}
