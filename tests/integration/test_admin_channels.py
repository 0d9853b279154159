"""The admin tool's channel commands (a separate process, as an operator of the deployment runs
it): a tenant's VK community, and each channel's webhook URL to paste into the platform."""

from __future__ import annotations

import pytest

from tests.helpers import Factory
from tests.integration.test_admin_cli import admin

pytestmark = pytest.mark.integration

REF = "secretsmanager:batterycrm/vk/shop"


def test_set_vk_stores_the_community_and_prints_a_generated_secret_once(database_url: str, factory: Factory) -> None:
    tenant = factory.tenant()
    result = admin(database_url, "set-vk", tenant.slug, "229000111", "a1b2c3d4", REF)
    assert result.returncode == 0, result.stderr
    row = factory.one("SELECT secret, token_ref, settings FROM tenant_channels WHERE tenant_id = %s", tenant.id)
    assert row["token_ref"] == REF
    assert row["settings"] == {"group_id": "229000111", "confirmation": "a1b2c3d4"}
    assert row["secret"] in result.stdout and len(row["secret"]) >= 24
    # Set again with a secret of one's own: nothing secret is printed, the row is replaced
    again = admin(database_url, "set-vk", tenant.slug, "229000112", "zz", "plain:vk1.a.x", "--secret", "my-vk-secret")
    assert again.returncode == 0 and "my-vk-secret" not in again.stdout and "vk1.a.x" not in again.stdout
    row = factory.one("SELECT secret, settings FROM tenant_channels WHERE tenant_id = %s", tenant.id)
    assert row == {"secret": "my-vk-secret", "settings": {"group_id": "229000112", "confirmation": "zz"}}


@pytest.mark.parametrize(
    "args",
    [["club1", "c", REF], ["0", "c", REF], ["229000111", " ", REF], ["229000111", "c", "vk1.a.bare-token"]],
    ids=["not-digits", "zero", "no-confirmation", "bare-token"],
)
def test_set_vk_refuses_what_it_cannot_use(database_url: str, factory: Factory, args: list[str]) -> None:
    tenant = factory.tenant()
    result = admin(database_url, "set-vk", tenant.slug, *args)
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert factory.query("SELECT 1 FROM tenant_channels WHERE tenant_id = %s", tenant.id) == []


def test_set_vk_on_an_unknown_tenant_is_an_error(database_url: str) -> None:
    result = admin(database_url, "set-vk", "no-such-shop", "229000111", "c", REF)
    assert result.returncode == 1 and "no tenant" in result.stderr


def test_channels_lists_each_channel_with_its_webhook_url(database_url: str, factory: Factory) -> None:
    tenant = factory.tenant()
    before = admin(database_url, "channels", tenant.slug, "https://api.example.com/")
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines()[0].split()[0] == "telegram" and "vk" not in before.stdout
    admin(database_url, "set-vk", tenant.slug, "229000111", "c", REF)
    lines = admin(database_url, "channels", tenant.slug, "https://api.example.com/").stdout.splitlines()
    by_channel = {line.split()[0]: line for line in lines}
    assert set(by_channel) == {"telegram", "vk"}
    assert by_channel["vk"].endswith(f"https://api.example.com/webhook/vk/{tenant.slug}")
    assert "group 229000111" in by_channel["vk"] and "ready" in by_channel["vk"]
    assert by_channel["telegram"].endswith(f"https://api.example.com/webhook/telegram/{tenant.slug}")
    # Without a base URL: the paths
    assert f"/webhook/vk/{tenant.slug}" in admin(database_url, "channels", tenant.slug).stdout
