"""Login throttling: per account (5 failures in 15 minutes, reset by a success) and per source IP
(30 in 15 minutes), answered with 429 rate_limited and Retry-After; the IP is API Gateway's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, Factory, Operator

pytestmark = pytest.mark.integration

LOGIN = "/webhook/android/auth/login"


def fail(api: Api, op: Operator, times: int, **kw: Any) -> list[int]:
    return [api.post(LOGIN, {"login": op.login, "password": "wrong-password"}, **kw).status for _ in range(times)]


def age_attempts(factory: Factory, seconds: int) -> None:
    """Move every recorded attempt ``seconds`` into the past (instead of sleeping)."""
    factory.execute("UPDATE login_attempts SET created_at = created_at - make_interval(secs => %s)", seconds)


def test_five_failures_lock_the_account_until_the_window_passes(api: Api, factory: Factory) -> None:
    # Given five wrong passwords for one account
    op = factory.operator()
    assert fail(api, op, 5) == [401] * 5
    # Then even the right password is refused for now, with Retry-After
    locked = api.post(LOGIN, {"login": op.login, "password": op.password})
    assert (locked.status, locked.error_code) == (429, "rate_limited")
    assert 890 <= int(locked.headers["retry-after"]) <= 900
    # From another address too: it is the account that is locked
    assert api.post(LOGIN, {"login": op.login, "password": op.password}, source_ip="198.51.100.99").status == 429
    # When the oldest failure leaves the 15-minute window, the right password works again
    age_attempts(factory, 901)
    assert api.post(LOGIN, {"login": op.login, "password": op.password}).status == 200


def test_retry_after_counts_down_with_the_window(api: Api, factory: Factory) -> None:
    op = factory.operator()
    fail(api, op, 5)
    age_attempts(factory, 600)
    locked = api.post(LOGIN, {"login": op.login, "password": op.password})
    assert 290 <= int(locked.headers["retry-after"]) <= 300


def test_a_success_resets_the_accounts_count(api: Api, factory: Factory) -> None:
    op = factory.operator()
    assert fail(api, op, 4) == [401] * 4
    assert api.post(LOGIN, {"login": op.login, "password": op.password}).status == 200
    assert fail(api, op, 4) == [401] * 4  # four more: still under the limit
    assert api.post(LOGIN, {"login": op.login, "password": op.password}).status == 200


def test_thirty_failures_from_one_ip_lock_that_ip_for_every_account(api: Api, factory: Factory) -> None:
    # Given 30 failures from one address, spread over many accounts (none reaches its own limit)
    tenant = factory.tenant()
    accounts = [factory.operator(tenant) for _ in range(8)]
    statuses = [s for op in accounts for s in fail(api, op, 4)]
    assert statuses == [401] * 30 + [429] * 2
    # Then a valid login from that address is refused, and the same account from elsewhere works
    fresh = factory.operator(tenant)
    blocked = api.post(LOGIN, {"login": fresh.login, "password": fresh.password})
    assert (blocked.status, blocked.error_code) == (429, "rate_limited") and "retry-after" in blocked.headers
    assert api.post(LOGIN, {"login": fresh.login, "password": fresh.password}, source_ip="198.51.100.7").status == 200


def test_a_spoofed_x_forwarded_for_does_not_dodge_the_ip_limit(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    ops = [factory.operator(tenant) for _ in range(8)]
    for i, op in enumerate(ops):
        fail(api, op, 4, headers={"x-forwarded-for": f"10.0.0.{i}"})
    fresh = factory.operator(tenant)
    reply = api.post(LOGIN, {"login": fresh.login, "password": fresh.password}, headers={"x-forwarded-for": "10.9.9.9"})
    assert (reply.status, reply.error_code) == (429, "rate_limited")


def test_wrong_current_password_on_a_password_change_counts_too(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    for _ in range(5):
        reply = api.post(
            "/webhook/api/operator/password",
            {"current_password": "wrong-password", "new_password": "new-password-456"},
            token=token,
        )
        assert reply.status == 401
    reply = api.post(
        "/webhook/api/operator/password",
        {"current_password": op.password, "new_password": "new-password-456"},
        token=token,
    )
    assert (reply.status, reply.error_code) == (429, "rate_limited")
    assert api.post(LOGIN, {"login": op.login, "password": op.password}).status == 429
