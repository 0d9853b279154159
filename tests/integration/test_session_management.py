"""An operator's own sessions: list them, sign one or all the others out, change the password."""

from __future__ import annotations

import pytest

from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

SESSIONS = "/webhook/api/operator/sessions"
STATUS = "/webhook/api/operator/session"
PASSWORD = "/webhook/api/operator/password"


def test_the_list_shows_the_operators_live_sessions_and_which_is_mine(api: Api, factory: Factory) -> None:
    # Given an operator on a phone with push and on a desktop, and a colleague
    tenant = factory.tenant()
    op, colleague = factory.operator(tenant), factory.operator(tenant)
    phone = api.login(op, device_info={"device_model": "Pixel 8"})
    api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-secret-value"}, token=phone)
    desktop = api.login(op, "desktop")
    api.login(colleague)
    # When the desktop lists the operator's sessions
    reply = api.get(SESSIONS, token=desktop)
    # Then both of the operator's sessions are there (and nobody else's), the desktop marked current
    assert reply.status == 200
    listed = {s["device_type"]: s for s in reply.body["sessions"]}
    assert set(listed) == {"mobile", "desktop"}
    assert listed["mobile"] | {"id": None, "created_at": None, "last_active_at": None} == {
        "id": None,
        "device_type": "mobile",
        "device_info": {
            "device_model": "Pixel 8",
            "device_id": None,
            "manufacturer": None,
            "os_version": None,
            "app_version": None,
        },
        "created_at": None,
        "last_active_at": None,
        "has_push": True,
        "current": False,
    }
    assert listed["desktop"]["current"] is True and listed["desktop"]["has_push"] is False
    assert "fcm-secret-value" not in str(reply.body)


def test_revoking_one_session_by_id(api: Api, factory: Factory) -> None:
    op = factory.operator()
    phone, desktop = api.login(op), api.login(op, "desktop")
    phone_id = next(s["id"] for s in api.get(SESSIONS, token=desktop).body["sessions"] if s["device_type"] == "mobile")
    assert api.delete(f"{SESSIONS}/{phone_id}", token=desktop).body == {"success": True}
    assert api.get(STATUS, token=phone).error_code == "session_revoked"
    assert api.get(STATUS, token=desktop).status == 200
    again = api.delete(f"{SESSIONS}/{phone_id}", token=desktop)
    assert (again.status, again.error_code) == (404, "not_found")


def test_another_operators_session_is_404_and_stays_alive(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    me, other = factory.operator(tenant), factory.operator(tenant)
    mine, theirs = api.login(me), api.login(other)
    their_id = api.get(SESSIONS, token=theirs).body["sessions"][0]["id"]
    reply = api.delete(f"{SESSIONS}/{their_id}", token=mine)
    assert (reply.status, reply.error_code) == (404, "not_found")
    assert api.get(STATUS, token=theirs).status == 200
    malformed = api.delete(f"{SESSIONS}/not-a-uuid", token=mine)
    assert (malformed.status, malformed.error_code) == (400, "invalid_request")


def test_revoke_others_keeps_the_caller(api: Api, factory: Factory) -> None:
    op = factory.operator()
    phone, desktop = api.login(op), api.login(op, "desktop")
    reply = api.post(f"{SESSIONS}/revoke-others", token=phone)
    assert reply.body == {"success": True, "revoked": 1}
    assert api.get(STATUS, token=desktop).error_code == "session_revoked"
    assert api.get(STATUS, token=phone).status == 200
    assert [s["current"] for s in api.get(SESSIONS, token=phone).body["sessions"]] == [True]


def test_password_change_keeps_the_caller_and_ends_the_others(api: Api, factory: Factory) -> None:
    # Given an operator on a phone and a desktop
    op = factory.operator(password="old-password-123")
    phone, desktop = api.login(op), api.login(op, "desktop")
    # When the phone changes the password
    reply = api.post(
        PASSWORD, {"current_password": "old-password-123", "new_password": "new-password-456"}, token=phone
    )
    # Then the phone stays signed in, the desktop is signed out, and only the new password works
    assert reply.body == {"success": True, "revoked": 1}
    assert api.get(STATUS, token=phone).status == 200
    assert api.get(STATUS, token=desktop).error_code == "session_revoked"
    login = "/webhook/android/auth/login"
    assert api.post(login, {"login": op.login, "password": "old-password-123"}).status == 401
    assert api.post(login, {"login": op.login, "password": "new-password-456"}).status == 200
    assert factory.one("SELECT password_hash, password_changed_at FROM operators WHERE id = %s", op.id)[
        "password_hash"
    ].startswith("$argon2id$")


@pytest.mark.parametrize(
    "new_password", ["short-pw", "{login}", "{LOGIN}", "old-password-123"], ids=["short", "login", "LOGIN", "same"]
)
def test_weak_new_passwords_are_400(api: Api, factory: Factory, new_password: str) -> None:
    op = factory.operator(password="old-password-123")
    token = api.login(op)
    body = {
        "current_password": "old-password-123",
        "new_password": new_password.format(login=op.login, LOGIN=op.login.upper()),
    }
    reply = api.post(PASSWORD, body, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert "new_password" in reply.body["error"]["message"]
    assert api.post("/webhook/android/auth/login", {"login": op.login, "password": "old-password-123"}).status == 200


def test_wrong_current_password_is_401_and_changes_nothing(api: Api, factory: Factory) -> None:
    op = factory.operator(password="old-password-123")
    phone, desktop = api.login(op), api.login(op, "desktop")
    reply = api.post(PASSWORD, {"current_password": "nope-nope-nope", "new_password": "new-password-456"}, token=phone)
    assert (reply.status, reply.error_code) == (401, "invalid_credentials")
    assert api.get(STATUS, token=desktop).status == 200
