"""The n8n system's test plan, replayed over real HTTP against the local gateway (`make run`)."""

from __future__ import annotations

import pytest

from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration


def test_the_old_systems_test_plan(http_api: Api, factory: Factory) -> None:
    op = factory.operator()
    # 1. login on device A
    a = http_api.post(
        "/webhook/android/auth/login", {"login": op.login, "password": op.password, "device_info": {"device_id": "A"}}
    )
    assert a.status == 200 and a.headers["content-type"].startswith("application/json")
    token_a = a.body["session_token"]
    # 2. a valid token is 200
    assert http_api.get("/webhook/api/operator/session", token=token_a).status == 200
    # 3. FCM registration
    assert (
        http_api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-A", "device_id": "A"}, token=token_a).status
        == 200
    )
    # 4. login on device B replaces A; A gets session_replaced
    token_b = http_api.login(op, device_info={"device_id": "B"})
    replaced = http_api.get("/webhook/api/operator/session", token=token_a)
    assert (replaced.status, replaced.error_code) == (401, "session_replaced")
    # 5. an invalid token is 401
    assert http_api.get("/webhook/api/operator/session", token="invalid").status == 401
    # 6. logout, idempotent; 400 without a token
    assert http_api.post("/webhook/android/logout", token=token_b).status == 200
    assert http_api.post("/webhook/android/logout", token=token_b).status == 200
    assert http_api.post("/webhook/android/logout").status == 400
    # 7. a logged-out token is 401
    gone = http_api.get("/webhook/api/operator/session", token=token_b)
    assert (gone.status, gone.error_code) == (401, "session_revoked")
