"""The admin tool, run as the people who operate a deployment run it: a separate process."""

from __future__ import annotations

import os
import re
import secrets
import subprocess

import pytest

from tests.helpers import Api, Factory, Operator, run_module

pytestmark = pytest.mark.integration

STATUS = "/webhook/api/operator/session"


def admin(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_module("ops.admin", *args, env={**os.environ, "DATABASE_URL": database_url}, stdin=stdin)


def test_create_a_tenant_and_an_operator_who_can_then_log_in(database_url: str, api: Api, factory: Factory) -> None:
    slug = f"shop-{secrets.token_hex(3)}"
    tenant = admin(database_url, "create-tenant", slug, "New Shop", "--region", "kz")
    assert tenant.returncode == 0, tenant.stderr
    secret = re.search(r"webhook secret \(shown once\): (\S+)", tenant.stdout)
    assert secret and factory.one(
        "SELECT phone_region, telegram_webhook_secret FROM tenants WHERE slug = %s", slug
    ) == {"phone_region": "KZ", "telegram_webhook_secret": secret.group(1)}
    login = f"new-{slug}@shop.test"
    made = admin(database_url, "create-operator", slug, login, "New Operator")
    assert made.returncode == 0, made.stderr
    password = re.search(r"password \(shown once\): (\S+)", made.stdout)
    assert password is not None
    assert api.post("/webhook/android/auth/login", {"login": login, "password": password.group(1)}).status == 200
    again = admin(database_url, "create-tenant", slug, "Twice")
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr


def test_disable_ends_the_sessions_at_once_and_enable_lets_them_back(
    database_url: str, api: Api, factory: Factory
) -> None:
    op = factory.operator()
    phone, desktop = api.login(op), api.login(op, "desktop")
    result = admin(database_url, "disable-operator", op.login)
    assert result.returncode == 0 and "2 session(s) ended" in result.stdout
    for token in (phone, desktop):
        reply = api.get(STATUS, token=token)
        assert (reply.status, reply.error_code) == (403, "account_disabled")
    login = api.post("/webhook/android/auth/login", {"login": op.login, "password": op.password})
    assert (login.status, login.error_code) == (403, "account_disabled")
    assert admin(database_url, "enable-operator", op.login).returncode == 0
    assert api.post("/webhook/android/auth/login", {"login": op.login, "password": op.password}).status == 200


def test_reset_password_from_stdin_ends_the_sessions(database_url: str, api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    result = admin(database_url, "reset-password", op.login, "--password-stdin", stdin="brand-new-password\n")
    assert result.returncode == 0 and "brand-new-password" not in result.stdout
    assert api.get(STATUS, token=token).error_code == "session_revoked"
    renamed = Operator(op.id, op.tenant_id, op.login, "brand-new-password", op.name)
    assert api.login(renamed)
    short = admin(database_url, "reset-password", op.login, "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 10" in short.stderr


def test_list_and_revoke_sessions(database_url: str, api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op, device_info={"device_model": "Pixel 8"})
    api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-never-printed"}, token=token)
    listed = admin(database_url, "list-sessions", op.login)
    assert listed.returncode == 0 and '"device_type": "mobile"' in listed.stdout and "Pixel 8" in listed.stdout
    assert '"has_push": true' in listed.stdout and "fcm-never-printed" not in listed.stdout
    revoked = admin(database_url, "revoke-sessions", op.login)
    assert revoked.returncode == 0 and "1 session(s)" in revoked.stdout
    assert api.get(STATUS, token=token).error_code == "session_revoked"
    unknown = admin(database_url, "list-sessions", "nobody@nowhere.test")
    assert unknown.returncode == 1 and "no operator" in unknown.stderr
