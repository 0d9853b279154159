"""Login throttling that cannot be side-stepped: one account is one key however its login is
spelled, and the limits hold exactly under any concurrency (the attempt is counted before the
password is checked, under a lock)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from tests.helpers import Api, Factory, new_client_ip

pytestmark = pytest.mark.integration

LOGIN = "/webhook/android/auth/login"
PASSWORD_CHANGE = "/webhook/api/operator/password"


def test_a_turkish_dotted_capital_i_is_the_same_account_for_the_throttle(api: Api, factory: Factory) -> None:
    # Given five wrong passwords for irina@...
    op = factory.operator(login="irina@battery.test")
    wrong = [api.post(LOGIN, {"login": op.login, "password": "wrong"}).status for _ in range(5)]
    assert wrong == [401] * 5
    # When the same account is tried as İrina@... (which signs in to it), even with the right password
    for spelling in ("İrina@battery.test", "IRINA@battery.test", " irina@battery.test "):
        reply = api.post(LOGIN, {"login": spelling, "password": op.password}, source_ip=new_client_ip())
        # Then it is locked too: it is the same account
        assert (reply.status, reply.error_code) == (429, "rate_limited"), spelling


def parallel(count: int, attempt: Any) -> Counter[int]:
    """``count`` attempts started at once from as many threads; their statuses."""
    statuses: list[int] = []
    start = threading.Barrier(count, timeout=30)

    def run(i: int) -> None:
        start.wait()
        statuses.append(attempt(i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == count
    return Counter(statuses)


def test_twenty_parallel_wrong_passwords_check_exactly_five(gateway: Any, factory: Factory) -> None:
    op = factory.operator()

    def attempt(i: int) -> int:
        client = Api.in_process(gateway)
        return client.post(LOGIN, {"login": op.login, "password": "wrong"}, source_ip=new_client_ip()).status

    # Every thread its own address: only the account's limit (5) applies
    assert parallel(20, attempt) == Counter({401: 5, 429: 15})


def test_sixty_parallel_unknown_logins_from_one_address_check_exactly_thirty(gateway: Any) -> None:
    ip = new_client_ip()

    def attempt(i: int) -> int:
        client = Api.in_process(gateway)
        return client.post(LOGIN, {"login": f"nobody-{i}@nowhere.test", "password": "x"}, source_ip=ip).status

    assert parallel(60, attempt) == Counter({401: 30, 429: 30})


def test_a_password_change_counts_on_the_same_account_key(api: Api, factory: Factory) -> None:
    # Given four wrong passwords at sign-in, and one wrong current password in a password change
    op = factory.operator(login="Oleg@battery.test")
    token = api.login(op)
    assert [api.post(LOGIN, {"login": "oleg@BATTERY.test", "password": "no"}).status for _ in range(4)] == [401] * 4
    change = api.post(PASSWORD_CHANGE, {"current_password": "no", "new_password": "a-new-long-password"}, token=token)
    assert change.status == 401, change.body
    # Then the account has had its five: the right password waits too
    reply = api.post(LOGIN, {"login": op.login, "password": op.password}, source_ip=new_client_ip())
    assert (reply.status, reply.error_code) == (429, "rate_limited")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("path", [LOGIN, "/webhook/android-register-fcm"])
def test_a_number_jsonb_cannot_hold_in_device_info_is_invalid_request(
    api: Api, factory: Factory, value: str, path: str
) -> None:
    op = factory.operator()
    token = api.login(op)
    if path == LOGIN:
        body = f'{{"login": "{op.login}", "password": "{op.password}", "device_info": {{"battery": {value}}}}}'
    else:
        body = f'{{"fcm_token": "fcm-{value}", "device_info": {{"nested": {{"level": [{value}]}}}}}}'
    reply = api.request("POST", path, raw_body=body.encode(), token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body
    assert "device_info" in reply.body["error"]["message"]
