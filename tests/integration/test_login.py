"""Logging in on the phone and on the desktop: the session model of operator_devices."""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, datetime, timedelta

import bcrypt
import pytest

from shared.auth import passwords
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

MOBILE = "/webhook/android/auth/login"
DESKTOP = "/webhook/desktop/auth/login"
STATUS = "/webhook/api/operator/session"


def test_mobile_login_answers_the_contract_and_stores_only_a_hash(api: Api, factory: Factory) -> None:
    # Given an operator
    op = factory.operator(name="Anna Petrova")
    # When they log in on the phone
    reply = api.post(MOBILE, {"login": op.login, "password": op.password, "device_info": {"device_model": "Pixel"}})
    # Then they get a session token and the operator, per API.md
    assert reply.status == 200
    body = reply.body
    assert body["success"] is True and body["device_type"] == "mobile"
    assert body["operator"] == {
        "id": str(op.id),
        "tenant_id": str(op.tenant_id),
        "name": "Anna Petrova",
        "login": op.login,
    }
    token = body["session_token"]
    assert len(base64.urlsafe_b64decode(token + "=")) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=29) < expires_at - datetime.now(UTC) <= timedelta(days=30)
    # And the database keeps the SHA-256 of the token, never the token
    row = factory.one("SELECT token_hash, device_info FROM operator_devices WHERE operator_id = %s", op.id)
    assert bytes(row["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert row["device_info"]["device_model"] == "Pixel"
    dump = factory.one(
        "SELECT (SELECT string_agg(d::text, '') FROM operator_devices d) || "
        "(SELECT string_agg(h::text, '') FROM session_history h) AS everything"
    )
    assert token not in dump["everything"]


def test_login_is_case_insensitive_and_trimmed(api: Api, factory: Factory) -> None:
    op = factory.operator(login="Mixed.Case@Shop.test")
    reply = api.post(MOBILE, {"login": "  mixed.case@SHOP.TEST ", "password": op.password})
    assert reply.status == 200


def test_wrong_password_and_unknown_login_get_the_same_answer(api: Api, factory: Factory) -> None:
    op = factory.operator()
    wrong = api.post(MOBILE, {"login": op.login, "password": "not-the-password"})
    unknown = api.post(MOBILE, {"login": "nobody@nowhere.test", "password": "not-the-password"})
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    assert wrong.error_code == "invalid_credentials"


def test_unknown_login_pays_for_a_password_verification(
    api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unknown login must do the same argon2 work as a wrong password (no timing oracle).
    verified: list[str] = []
    real = passwords._verify_argon2

    def spy(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "_verify_argon2", spy)
    op = factory.operator()
    api.post(MOBILE, {"login": op.login, "password": "wrong"})
    api.post(MOBILE, {"login": "ghost@nowhere.test", "password": "wrong"})
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_new_hashes_are_argon2id_with_owasp_parameters() -> None:
    assert passwords.hash_password("whatever-password").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_mobile_and_desktop_sessions_live_side_by_side(api: Api, factory: Factory) -> None:
    op = factory.operator()
    phone = api.login(op, "mobile")
    desktop = api.login(op, "desktop")
    assert api.get(STATUS, token=phone).body["session"]["device_type"] == "mobile"
    assert api.get(STATUS, token=desktop).body["session"]["device_type"] == "desktop"


def test_a_new_login_replaces_the_session_of_the_same_device_type(api: Api, factory: Factory) -> None:
    # Given an operator signed in on a phone and a desktop
    op = factory.operator()
    phone_a = api.login(op, "mobile")
    desktop = api.login(op, "desktop")
    # When they sign in on another phone
    phone_b = api.login(op, "mobile")
    # Then the first phone is told it was replaced, and the others still work
    old = api.get(STATUS, token=phone_a)
    assert (old.status, old.error_code) == (401, "session_replaced")
    assert old.body["error"]["message"] == "You signed in on another device."
    assert api.get(STATUS, token=phone_b).status == 200
    assert api.get(STATUS, token=desktop).status == 200
    assert factory.one("SELECT count(*) AS n FROM operator_devices WHERE operator_id = %s", op.id)["n"] == 2


def test_replaced_phone_with_push_gets_a_session_replaced_push_queued(api: Api, factory: Factory) -> None:
    op = factory.operator()
    phone_a = api.login(op, "mobile")
    assert api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-phone-a"}, token=phone_a).status == 200
    api.login(op, "mobile")
    queued = factory.query("SELECT kind, data, fcm_token FROM push_outbox WHERE tenant_id = %s", op.tenant_id)
    assert queued == [
        {
            "kind": "session_replaced",
            "data": {"type": "session_replaced", "device_type": "mobile"},
            "fcm_token": "fcm-phone-a",
        }
    ]


def test_concurrent_logins_leave_exactly_one_session_and_no_errors(http_api: Api, factory: Factory) -> None:
    # Given an operator, when eight phones log in at the same moment (over HTTP, as phones do)
    op = factory.operator()
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def login() -> None:
        barrier.wait(timeout=10)
        statuses.append(http_api.post(MOBILE, {"login": op.login, "password": op.password}).status)

    threads = [threading.Thread(target=login) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then every login succeeded and exactly one mobile session is left
    assert statuses == [200] * 8
    assert (
        factory.one(
            "SELECT count(*) AS n FROM operator_devices WHERE operator_id = %s AND device_type = 'mobile'", op.id
        )["n"]
        == 1
    )
    assert (
        factory.one(
            "SELECT count(*) AS n FROM session_history WHERE operator_id = %s AND end_reason = 'replaced'", op.id
        )["n"]
        == 7
    )


def test_disabled_operator_cannot_log_in_and_their_sessions_stop_at_once(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    factory.execute("UPDATE operators SET is_active = false WHERE id = %s", op.id)
    again = api.post(MOBILE, {"login": op.login, "password": op.password})
    assert (again.status, again.error_code) == (403, "account_disabled")
    status = api.get(STATUS, token=token)
    assert (status.status, status.error_code) == (403, "account_disabled")


def test_disabled_operator_with_a_wrong_password_learns_nothing(api: Api, factory: Factory) -> None:
    op = factory.operator(is_active=False)
    reply = api.post(MOBILE, {"login": op.login, "password": "wrong"})
    assert reply.error_code == "invalid_credentials"


def test_legacy_bcrypt_hash_verifies_and_is_upgraded_to_argon2id(api: Api, factory: Factory) -> None:
    legacy = bcrypt.hashpw(b"old-n8n-password", bcrypt.gensalt(rounds=4)).decode()
    op = factory.operator(password="old-n8n-password", password_hash=legacy)
    assert api.post(MOBILE, {"login": op.login, "password": "old-n8n-password"}).status == 200
    stored = factory.one("SELECT password_hash FROM operators WHERE id = %s", op.id)["password_hash"]
    assert stored.startswith("$argon2id$")
    # and the upgraded hash still lets them in
    assert api.post(MOBILE, {"login": op.login, "password": "old-n8n-password"}).status == 200
    assert api.post(MOBILE, {"login": op.login, "password": "wrong"}).status == 401


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"password": "x"}, "login"),
        ({"login": "a@b.test"}, "password"),
        ({"login": 123, "password": "x"}, "login"),
        ({"login": "   ", "password": "x"}, "login"),
        ({"login": "a@b.test", "password": "x", "device_info": "pixel"}, "device_info"),
        ({"login": "a@b.test", "password": "x", "device_info": {"device_model": 5}}, "device_info"),
        ({"login": "a@b.test", "password": "x", "device_info": {"notes": "x" * 5000}}, "device_info"),
    ],
)
def test_invalid_login_bodies_are_400_naming_the_field(api: Api, body: dict[str, object], expected: str) -> None:
    reply = api.post(MOBILE, body)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert expected in reply.body["error"]["message"]


def test_device_info_keeps_unknown_keys_and_nulls(api: Api, factory: Factory) -> None:
    op = factory.operator()
    info = {"device_model": None, "os_version": "14", "screen": "1080x2400"}
    assert api.post(MOBILE, {"login": op.login, "password": op.password, "device_info": info}).status == 200
    stored = factory.one("SELECT device_info FROM operator_devices WHERE operator_id = %s", op.id)["device_info"]
    assert stored["screen"] == "1080x2400" and stored["os_version"] == "14" and stored["device_model"] is None


def test_malformed_json_and_oversized_bodies(api: Api) -> None:
    bad = api.request("POST", MOBILE, raw_body=b'{"login": ')
    assert (bad.status, bad.error_code) == (400, "invalid_request")
    not_object = api.post(MOBILE, ["login", "password"])
    assert (not_object.status, not_object.error_code) == (400, "invalid_request")
    huge = api.post(MOBILE, {"login": "a@b.test", "password": "x" * (70 * 1024)})
    assert (huge.status, huge.error_code) == (413, "payload_too_large")
