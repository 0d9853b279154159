"""API.md "Everywhere": whatever the body, the answer is the envelope with the right code, never a 500.
Each request goes through template.yaml's routes and the functions' own handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.core.observability import logger
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

MOBILE = "/webhook/android/auth/login"
FCM = "/webhook/android-register-fcm"
APPEALS = "/webhook/api/operator/appeals"


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"k": value}
    return value


def deep_text(levels: int) -> str:
    return '{"k":' * levels + "1" + "}" * levels


@pytest.fixture
def session(api: Api, factory: Factory) -> dict[str, Any]:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    return {"token": api.login(op), "appeal": factory.appeal(tenant), "op": op, "tenant": tenant}


def test_a_body_that_is_not_utf8_is_400_on_every_body_endpoint(api: Api, session: dict[str, Any]) -> None:
    raw = b'{"login": "\xff\xfe", "password": "x\xc3"}'
    for path, token in ((MOBILE, None), ("/webhook/desktop/auth/login", None), (FCM, session["token"])):
        reply = api.post(path, raw_body=raw, token=token)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), path
        assert "UTF-8" in reply.body["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"login": "a\u0000b@shop.test", "password": "whatever-pass"},
        {"login": "a@shop.test", "password": "x", "device_info": {"device_model": "Pixel\u0000"}},
        {"login": "a@shop.test", "password": "x", "device_info": {"mo\u0000del": "Pixel"}},
        {"login": "a@shop.test", "password": "lone \ud800 surrogate"},
    ],
    ids=["value", "nested-value", "key", "lone-surrogate"],
)
def test_nul_or_a_lone_surrogate_in_a_login_body_is_400(api: Api, body: dict[str, Any]) -> None:
    reply = api.post(MOBILE, raw_body=json.dumps(body).encode())
    assert (reply.status, reply.error_code) == (400, "invalid_request")


def test_nul_anywhere_an_operator_writes_is_400_and_nothing_is_stored(
    api: Api, factory: Factory, session: dict[str, Any]
) -> None:
    token, appeal = session["token"], session["appeal"]
    assert api.post(f"{APPEALS}/{appeal}/take", token=token).status == 200
    cases = [
        (FCM, {"fcm_token": "fcm\u0000token"}),
        (FCM, {"fcm_token": "fcm-token", "device_info": {"app_version": "2\u0000"}}),
        (f"{APPEALS}/{appeal}/reject", {"reason": "spam\u0000"}),
        (f"{APPEALS}/{appeal}/response", {"text": "hi\u0000", "client_message_id": "m-1"}),
        (f"{APPEALS}/{appeal}/response", {"text": "hi", "client_message_id": "m\u0000"}),
        (f"{APPEALS}/{appeal}/normalize", {"name": "Ivan\u0000"}),
    ]
    for path, body in cases:
        reply = api.post(path, body, token=token)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), (path, body)
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE appeal_id = %s", appeal)["n"] == 1
    assert factory.one("SELECT status FROM appeals WHERE id = %s", appeal)["status"] == "in_progress"


def test_a_nul_in_a_query_or_path_value_is_400(api: Api, session: dict[str, Any]) -> None:
    reply = api.get(APPEALS, token=session["token"], query={"cursor": "abc\u0000"})
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    reply = api.get(APPEALS, token=session["token"], query={"status": "new\u0000"})
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    reply = api.post("/webhook/telegram/shop\u0000", {"update_id": 1}, headers={"x-telegram-bot-api-secret-token": "x"})
    assert (reply.status, reply.error_code) == (400, "invalid_request")


def test_nesting_deeper_than_32_is_400_in_the_envelope(api: Api, session: dict[str, Any], captured_logs: Any) -> None:
    deep = '{"fcm_token": "fcm-deep", "device_info": ' + deep_text(10_000) + "}"
    reply = api.post(FCM, raw_body=deep.encode(), token=session["token"])
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert "32" in reply.body["error"]["message"]
    reply = api.post(FCM, {"fcm_token": "fcm-deep", "device_info": nested(32)}, token=session["token"])
    assert (reply.status, reply.error_code) == (400, "invalid_request")  # 33 levels with the outer object
    assert "RecursionError" not in captured_logs()


def test_32_levels_pass_the_guard(api: Api, session: dict[str, Any]) -> None:
    reply = api.post(FCM, {"fcm_token": "fcm-deep", "device_info": nested(31)}, token=session["token"])
    assert reply.status in (200, 400)  # the model may refuse the shape; the guard did not
    assert "32 levels" not in json.dumps(reply.body)


def test_the_log_masking_stays_bounded_for_any_depth(captured_logs: Any) -> None:
    logger.info("deep value", extra={"payload": nested(5_000)})
    assert '"message":"deep value"' in captured_logs()


def test_a_non_json_content_type_is_415_where_json_is_read(api: Api, session: dict[str, Any]) -> None:
    body = json.dumps({"login": "a@shop.test", "password": "whatever-pass"}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        reply = api.post(MOBILE, raw_body=body, headers={"content-type": content_type})
        assert (reply.status, reply.error_code) == (415, "unsupported_media_type"), content_type
    # also where the body is optional (found by the fuzzer: 500 before)
    reply = api.post(f"{APPEALS}/{session['appeal']}/reject", raw_body=b'{"reason": ""}', token=session["token"],
                     headers={"content-type": "text/plain"})  # fmt: skip
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")
    reply = api.post(MOBILE, raw_body=body, headers={"content-type": "application/json; charset=utf-8"})
    assert reply.error_code == "invalid_credentials"
    # an endpoint that reads no body does not care what a stray one is labelled
    reply = api.post(f"{APPEALS}/{session['appeal']}/take", raw_body=b"x", token=session["token"],
                     headers={"content-type": "text/plain"})  # fmt: skip
    assert reply.status == 200


def test_the_telegram_webhook_acknowledges_a_body_it_cannot_read(
    api: Api, factory: Factory, captured_logs: Any
) -> None:
    tenant = factory.tenant()
    path = f"/webhook/telegram/{tenant.slug}"
    headers = {"x-telegram-bot-api-secret-token": tenant.webhook_secret}
    for raw in (b'{"update_id": 1, "message": {"text": "\xff\xfe secret words"}}', b"not json at all",
                deep_text(5_000).encode()):  # fmt: skip
        reply = api.post(path, raw_body=raw, headers=headers)
        assert reply.status == 200, raw[:40]
    logs = captured_logs()
    assert "acknowledged" in logs and "secret words" not in logs


def test_the_guard_leaves_nul_in_a_readable_webhook_update_to_the_webhook() -> None:
    from shared.http.guards import RequestGuard
    from shared.http.resolver import _guard_reply

    guard = RequestGuard(reads_json=False, lenient_body=True, reject=_guard_reply)
    update = {"update_id": 5, "message": {"text": "a\u0000b \ud800", "chat": {"id": 1, "type": "private"}}}
    assert guard.check({"body": json.dumps(update), "headers": {"content-type": "application/json"}}) is None


def test_503_carries_retry_after(api: Api, factory: Factory, configure: Any) -> None:
    op = factory.operator()
    configure(database_url="postgresql://nobody@127.0.0.1:1/nowhere", db_connect_timeout_s=1)
    reply = api.post(MOBILE, {"login": op.login, "password": op.password})
    assert (reply.status, reply.error_code) == (503, "service_unavailable")
    assert int(reply.headers["retry-after"]) >= 1
