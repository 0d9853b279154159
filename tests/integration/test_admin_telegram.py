"""The admin tool's Telegram commands (a separate process, as an operator of the deployment runs
it) against the fake Bot API, and its one-line errors when there is no database."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from tests.helpers import Factory, run_module
from tests.integration.test_admin_cli import admin

pytestmark = pytest.mark.integration

TOKEN = "123456:TEST-BOT-TOKEN"


def test_set_bot_token_on_an_existing_tenant(database_url: str, factory: Factory) -> None:
    tenant = factory.tenant()
    result = admin(database_url, "set-bot-token", tenant.slug, f"plain:{TOKEN}")
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout
    row = factory.one("SELECT telegram_bot_token_ref FROM tenants WHERE id = %s", tenant.id)
    assert row["telegram_bot_token_ref"] == f"plain:{TOKEN}"
    changed = admin(database_url, "set-bot-token", tenant.slug, "secretsmanager:batterycrm/telegram/shop")
    assert changed.returncode == 0 and "secretsmanager:" in changed.stdout
    row = factory.one("SELECT telegram_bot_token_ref FROM tenants WHERE id = %s", tenant.id)
    assert row["telegram_bot_token_ref"] == "secretsmanager:batterycrm/telegram/shop"
    arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:batterycrm/telegram/shop-AbCdEf"
    assert admin(database_url, "set-bot-token", tenant.slug, arn).returncode == 0
    row = factory.one("SELECT telegram_bot_token_ref FROM tenants WHERE id = %s", tenant.id)
    assert row["telegram_bot_token_ref"] == f"secretsmanager:{arn}"


@pytest.mark.parametrize("ref", ["just-a-token", "plain:", "vault:abc"])
def test_set_bot_token_refuses_a_reference_it_cannot_use(database_url: str, factory: Factory, ref: str) -> None:
    tenant = factory.tenant()
    result = admin(database_url, "set-bot-token", tenant.slug, ref)
    assert result.returncode == 1 and "secretsmanager:" in result.stderr and "Traceback" not in result.stderr
    assert factory.one("SELECT telegram_bot_token_ref FROM tenants WHERE id = %s", tenant.id) == {
        "telegram_bot_token_ref": None
    }


def test_unknown_slug_is_one_line(database_url: str) -> None:
    for command in (("set-bot-token", "no-such-shop", "plain:x1"), ("webhook-info", "no-such-shop")):
        result = admin(database_url, *command)
        assert result.returncode == 1
        assert result.stderr.strip() == "error: no tenant with slug 'no-such-shop'"


def test_set_webhook_registers_our_url_with_the_tenants_secret(
    database_url: str, factory: Factory, fake_telegram: Any
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{TOKEN}")
    result = admin(database_url, "set-webhook", tenant.slug, "https://abc.execute-api.eu-central-1.amazonaws.com/")
    assert result.returncode == 0, result.stderr
    url = f"https://abc.execute-api.eu-central-1.amazonaws.com/webhook/telegram/{tenant.slug}"
    assert fake_telegram.webhooks[TOKEN] == {
        "url": url,
        "secret_token": tenant.webhook_secret,
        "allowed_updates": ["message", "edited_message", "my_chat_member"],
    }
    assert url in result.stdout
    assert TOKEN not in result.stdout + result.stderr and tenant.webhook_secret not in result.stdout


def test_webhook_info_shows_pending_updates_and_the_last_error(
    database_url: str, factory: Factory, fake_telegram: Any
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{TOKEN}")
    before = admin(database_url, "webhook-info", tenant.slug)
    assert before.returncode == 0, before.stderr
    assert "none: Telegram sends this bot nothing; run set-webhook" in before.stdout

    assert admin(database_url, "set-webhook", tenant.slug, "https://api.shop.example").returncode == 0
    fake_telegram.pending_updates = 7
    fake_telegram.webhook_error = (1_795_000_000, "Wrong response from the webhook: 401 Unauthorized")
    info = admin(database_url, "webhook-info", tenant.slug)
    assert info.returncode == 0, info.stderr
    lines = info.stdout.splitlines()
    assert f"url:                  https://api.shop.example/webhook/telegram/{tenant.slug}" in lines
    assert "pending updates:      7" in lines
    assert "last error:           2026-11-18 11:06:40 UTC: Wrong response from the webhook: 401 Unauthorized" in lines
    assert "allowed updates:      message, edited_message, my_chat_member" in lines
    assert TOKEN not in info.stdout + info.stderr


def test_telegram_refusing_or_a_tenant_without_a_bot_is_one_line(
    database_url: str, factory: Factory, fake_telegram: Any
) -> None:
    tenant = factory.tenant()
    no_bot = admin(database_url, "set-webhook", tenant.slug, "https://api.shop.example")
    assert no_bot.returncode == 1
    assert no_bot.stderr.strip() == f"error: tenant {tenant.slug} has no bot token: set one with set-bot-token " + (
        f"{tenant.slug} <reference>"
    )
    factory.telegram_bot(tenant, f"plain:{TOKEN}")
    fake_telegram.fail("refuse")
    refused = admin(database_url, "webhook-info", tenant.slug)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "Telegram refused getWebhookInfo: HTTP 400" in refused.stderr and TOKEN not in refused.stderr


def _bare_admin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "AWS_"))}
    return run_module("ops.admin", *args, env={**keep, **env})


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "no database configured: set DATABASE_URL"),
        (
            {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "DB_CONNECT_TIMEOUT_S": "1"},
            "the database cannot be reached",
        ),
        (
            {"DATABASE_SECRET_ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db"},
            "the database secret cannot be read",
        ),
    ],
)
def test_without_a_database_one_clear_line_and_exit_code_2(env: dict[str, str], says: str) -> None:
    env = {**env, "AWS_ACCESS_KEY_ID": "none", "AWS_SECRET_ACCESS_KEY": "none", "AWS_DEFAULT_REGION": "eu-central-1"}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"  # no AWS from a test, and fast
    result = _bare_admin(env, "list-sessions", "anna@demo.test")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr, result.stderr


def test_an_unreadable_bot_secret_is_one_line_and_nothing_on_stdout(
    database_url: str, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, "secretsmanager:batterycrm/telegram/missing")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "none",
        "AWS_SECRET_ACCESS_KEY": "none",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
    }.items():
        monkeypatch.setenv(name, value)
    result = admin(database_url, "webhook-info", tenant.slug)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: the bot token of {tenant.slug} cannot be read (check the secret and the AWS credentials)"
    ]
