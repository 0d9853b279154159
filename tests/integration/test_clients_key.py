"""A client's one key is (tenant, channel, platform id); a Telegram client's telegram_id is that id
(sql/0018_clients_one_key.sql), so it stays unique in the tenant without an index of its own."""

from __future__ import annotations

import psycopg
import pytest

from devtools import datafactory
from tests.helpers import Factory

pytestmark = pytest.mark.integration


def test_a_telegram_user_is_one_client_per_tenant(factory: Factory) -> None:
    shop, other_shop = factory.tenant(), factory.tenant()
    datafactory.client(factory.conn, shop.id, telegram_id=557001, name="Ivan")
    with pytest.raises(psycopg.errors.UniqueViolation, match="clients_tenant_id_channel_external_id_key"):
        datafactory.client(factory.conn, shop.id, telegram_id=557001, name="Ivan again")
    datafactory.client(factory.conn, other_shop.id, telegram_id=557001, name="Ivan")  # another shop's client
    # the same number on another channel is another person
    datafactory.client(factory.conn, shop.id, telegram_id=None, name="Vk Ivan", channel="vk", external_id="557001")
    assert factory.one("SELECT count(*) AS n FROM clients WHERE tenant_id = %s", shop.id)["n"] == 2


@pytest.mark.parametrize(
    ("channel", "external_id"),
    [("vk", "557002"), ("telegram", "557003")],  # a Telegram id on a VK client; one that is not the client's id
)
def test_a_telegram_id_that_is_not_the_clients_telegram_key_is_refused(
    factory: Factory, channel: str, external_id: str
) -> None:
    shop = factory.tenant()
    with pytest.raises(psycopg.errors.CheckViolation, match="clients_telegram_id_is_external_id"):
        datafactory.client(
            factory.conn, shop.id, telegram_id=557002, name="Ivan", channel=channel, external_id=external_id
        )
    assert factory.one("SELECT count(*) AS n FROM clients WHERE tenant_id = %s", shop.id)["n"] == 0
