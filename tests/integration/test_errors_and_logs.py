"""Failures answer API.md's envelope; secrets never reach a log line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.auth import devices as push_registration
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

MOBILE = "/webhook/android/auth/login"
FCM = "/webhook/android-register-fcm"
STATUS = "/webhook/api/operator/session"


def test_secrets_never_appear_in_the_logs(api: Api, factory: Factory, captured_logs: Any) -> None:
    # Given a full session: login, FCM registration, a bad call, a status, a logout
    op = factory.operator(password="Sup3r-Secret-Passw0rd")
    token = api.login(op)
    api.post(FCM, {"fcm_token": "fcm-secret-registration-token-xyz"}, token=token)
    api.post(FCM, {"fcm_token": "fcm-secret-registration-token-xyz", "device_info": "bad"}, token=token)
    api.post(MOBILE, {"login": op.login, "password": "Wr0ng-Secret-Passw0rd"})
    api.get(STATUS, headers={"x-session-token": token})
    api.get(STATUS, query={"session_token": token})
    api.post("/webhook/android/logout", token=token)
    # Then the logs say what happened but carry none of the secrets
    text = captured_logs()
    assert '"message":"login"' in text.replace(" ", "")
    for secret in (token, "Sup3r-Secret-Passw0rd", "Wr0ng-Secret-Passw0rd", "fcm-secret-registration-token-xyz"):
        assert secret not in text


def test_a_bug_is_500_with_a_correlation_id_and_no_details(
    api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch, captured_logs: Any
) -> None:
    op = factory.operator()
    token = api.login(op)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"boom while handling {token}")

    monkeypatch.setattr(push_registration, "register_fcm", broken)
    reply = api.post(FCM, {"fcm_token": "fcm-1"}, token=token)
    assert (reply.status, reply.error_code) == (500, "internal_error")
    correlation_id = reply.body["error"]["correlation_id"]
    assert "boom" not in json.dumps(reply.body)
    logs = captured_logs()
    assert "RuntimeError" in logs and correlation_id in logs  # the cause is logged, findable by the id
    assert token not in logs


def test_unknown_route_is_a_404_envelope(api: Api) -> None:
    reply = api.get("/webhook/nothing-here")
    assert reply.status == 404
