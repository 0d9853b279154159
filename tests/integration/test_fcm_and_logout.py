"""Registering the device's FCM token, and logging out."""

from __future__ import annotations

import pytest

from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

FCM = "/webhook/android-register-fcm"
LOGOUT = "/webhook/android/logout"
STATUS = "/webhook/api/operator/session"


def test_register_fcm_stores_token_device_id_and_info(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    body = {"fcm_token": "fcm-123", "device_id": "dev-9", "device_info": {"os_version": "15", "extra": True}}
    reply = api.post(FCM, body, token=token)
    assert (reply.status, reply.body) == (200, {"success": True})
    row = factory.one("SELECT fcm_token, device_id, device_info FROM operator_devices WHERE operator_id = %s", op.id)
    assert row["fcm_token"] == "fcm-123" and row["device_id"] == "dev-9"
    assert row["device_info"]["extra"] is True


def test_json_null_device_id_is_stored_as_sql_null_not_the_string(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    api.post(FCM, {"fcm_token": "fcm-a", "device_id": "dev-1"}, token=token)
    api.post(FCM, {"fcm_token": "fcm-a", "device_id": None}, token=token)
    row = factory.one("SELECT device_id FROM operator_devices WHERE operator_id = %s", op.id)
    assert row["device_id"] is None


def test_absent_device_id_leaves_the_stored_one(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    api.post(FCM, {"fcm_token": "fcm-b", "device_id": "dev-1"}, token=token)
    api.post(FCM, {"fcm_token": "fcm-c"}, token=token)
    row = factory.one("SELECT fcm_token, device_id FROM operator_devices WHERE operator_id = %s", op.id)
    assert (row["fcm_token"], row["device_id"]) == ("fcm-c", "dev-1")


def test_an_fcm_token_belongs_to_one_session_only(api: Api, factory: Factory) -> None:
    # Given a phone used by Anna, then handed to Boris
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    anna_token, boris_token = api.login(anna), api.login(boris)
    api.post(FCM, {"fcm_token": "shared-phone"}, token=anna_token)
    # When Boris registers the same FCM token
    assert api.post(FCM, {"fcm_token": "shared-phone"}, token=boris_token).status == 200
    # Then Anna's session no longer receives pushes on it
    rows = factory.query("SELECT operator_id FROM operator_devices WHERE fcm_token = 'shared-phone'")
    assert rows == [{"operator_id": boris.id}]


def test_register_fcm_token_from_the_body_and_errors(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    assert api.post(FCM, {"session_token": token, "fcm_token": "fcm-body"}).status == 200
    missing = api.post(FCM, {"session_token": token})
    assert (missing.status, missing.error_code) == (400, "invalid_request")
    blank = api.post(FCM, {"session_token": token, "fcm_token": "  "})
    assert (blank.status, blank.error_code) == (400, "invalid_request")
    no_token = api.post(FCM, {"fcm_token": "fcm-x"})
    assert (no_token.status, no_token.error_code) == (401, "missing_token")


def test_logout_is_idempotent_and_needs_a_token(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    assert (api.post(LOGOUT, token=token).body) == {"success": True}
    assert api.post(LOGOUT, token=token).status == 200
    assert api.post(LOGOUT, token="never-existed").status == 200
    missing = api.post(LOGOUT)
    assert (missing.status, missing.error_code) == (400, "missing_token")
    assert factory.one("SELECT end_reason FROM session_history WHERE operator_id = %s", op.id)["end_reason"] == "logout"


def test_logout_serves_desktop_sessions_and_leaves_the_phone(api: Api, factory: Factory) -> None:
    op = factory.operator()
    phone, desktop = api.login(op, "mobile"), api.login(op, "desktop")
    assert api.post(LOGOUT, token=desktop).status == 200
    assert api.get(STATUS, token=desktop).error_code == "session_revoked"
    assert api.get(STATUS, token=phone).status == 200


def test_registering_one_fcm_token_from_many_sessions_at_once_leaves_it_on_one(http_api: Api, factory: Factory) -> None:
    import threading

    tenant = factory.tenant()
    tokens = [http_api.login(factory.operator(tenant)) for _ in range(6)]
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def register(token: str) -> None:
        barrier.wait(timeout=10)
        statuses.append(http_api.post(FCM, {"fcm_token": "contested-token"}, token=token).status)

    threads = [threading.Thread(target=register, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * len(tokens)
    assert factory.one("SELECT count(*) AS n FROM operator_devices WHERE fcm_token = 'contested-token'")["n"] == 1
