"""The admin tool's set-max (a separate process, as an operator of the deployment runs it) against
the fake MAX API: the tenant's MAX settings, and the webhook registered with POST /subscriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import max_api
from tests.fakes.max_api import FakeMax
from tests.helpers import Factory
from tests.integration.test_admin_cli import admin

pytestmark = pytest.mark.integration

TOKEN = "max-admin-test-token"
BASE = "https://abc.execute-api.eu-central-1.amazonaws.com"


@pytest.fixture
def fake_max(configure: Any) -> Iterator[FakeMax]:
    with max_api.running() as fake:
        configure(max_api_base_url=fake.url)  # the admin process inherits the environment
        yield fake


def saved(factory: Factory, tenant_id: Any) -> dict[str, Any] | None:
    rows = factory.query(
        "SELECT secret, token_ref FROM tenant_channels WHERE tenant_id = %s AND channel = 'max'", tenant_id
    )
    return rows[0] if rows else None


def test_set_max_keeps_the_token_reference_and_prints_a_generated_secret_once(
    database_url: str, factory: Factory, fake_max: FakeMax
) -> None:
    tenant = factory.tenant()

    result = admin(database_url, "set-max", tenant.slug, f"plain:{TOKEN}")

    assert result.returncode == 0, result.stderr
    row = saved(factory, tenant.id)
    assert row is not None and row["token_ref"] == f"plain:{TOKEN}"
    assert f"webhook secret (shown once; --register sends it to MAX): {row['secret']}" in result.stdout
    assert TOKEN not in result.stdout
    assert fake_max.calls == []  # nothing asked of MAX without --register


def test_register_subscribes_our_webhook_with_the_secret_and_the_update_types(
    database_url: str, factory: Factory, fake_max: FakeMax
) -> None:
    tenant = factory.tenant()

    result = admin(
        database_url, "set-max", tenant.slug, f"plain:{TOKEN}", "--secret", "shop_secret-1", "--register", f"{BASE}/"
    )

    assert result.returncode == 0, result.stderr
    [subscription] = fake_max.subscriptions
    assert subscription["url"] == f"{BASE}/webhook/max/{tenant.slug}"
    assert subscription["update_types"] == ["message_created", "message_edited", "bot_started", "bot_stopped"]
    [call] = fake_max.calls_to("POST", "/subscriptions")
    assert (call.token, call.body["secret"]) == (TOKEN, "shop_secret-1")
    assert saved(factory, tenant.id) == {"secret": "shop_secret-1", "token_ref": f"plain:{TOKEN}"}
    assert "shop_secret-1" not in result.stdout  # given, so not printed
    assert f"webhook registered with MAX: {BASE}/webhook/max/{tenant.slug}" in result.stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--register", "http://127.0.0.1:3000"), "MAX delivers only to HTTPS"),
        (("--secret", "bad secret!"), "5-256 characters"),
        (("--secret", "abc"), "5-256 characters"),
    ],
)
def test_set_max_refuses_what_max_would_refuse_and_saves_nothing(
    database_url: str, factory: Factory, fake_max: FakeMax, args: tuple[str, ...], error: str
) -> None:
    tenant = factory.tenant()

    result = admin(database_url, "set-max", tenant.slug, f"plain:{TOKEN}", *args)

    assert result.returncode == 1 and error in result.stderr and "Traceback" not in result.stderr
    assert saved(factory, tenant.id) is None
    assert fake_max.calls == []


def test_when_max_refuses_the_token_nothing_is_saved(database_url: str, factory: Factory, fake_max: FakeMax) -> None:
    tenant = factory.tenant()
    fake_max.tokens = {"the-real-token"}

    result = admin(database_url, "set-max", tenant.slug, f"plain:{TOKEN}", "--register", BASE)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: MAX refused the webhook {BASE}/webhook/max/{tenant.slug}: max refused the bot token"
    )
    assert saved(factory, tenant.id) is None


def test_set_max_on_an_unknown_slug_is_one_line(database_url: str, fake_max: FakeMax) -> None:
    result = admin(database_url, "set-max", "no-such-shop", f"plain:{TOKEN}")

    assert result.returncode == 1
    assert result.stderr.strip() == "error: no tenant with slug 'no-such-shop'"


def test_channels_lists_the_max_webhook_url(database_url: str, factory: Factory, fake_max: FakeMax) -> None:
    tenant = factory.tenant()
    admin(database_url, "set-max", tenant.slug, f"plain:{TOKEN}")

    result = admin(database_url, "channels", tenant.slug, BASE)

    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("max")]
    assert line.split()[-1] == f"{BASE}/webhook/max/{tenant.slug}"
