"""A tenant's account on one channel, found by the tenant's slug (the webhooks): the view
``channel_accounts`` shows Telegram's settings (in ``tenants``) and VK's and MAX's (in
``tenant_channels``) in one shape, read into one ``Account``.

A warm container keeps the accounts it found (``cached``/``remember``) for
``CHANNEL_ACCOUNTS_MAX_AGE_S``, so a webhook's text message is one round trip; the receive path
reads an account again whenever a delivery does not verify against the cached one."""

import time
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.channels.base import Account, ChannelName
from shared.core import snapstart
from shared.core.db import Connection
from shared.core.records import Record
from shared.core.settings import get_settings
from shared.core.sql import execute, fetch_all, fetch_one


class AccountRow(Record):
    tenant_id: UUID
    slug: str
    channel: str
    secret: str | None
    token_ref: str | None
    settings: dict[str, Any] | None
    phone_region: str
    welcome_text: str | None


class ChannelRow(Record):
    channel: str
    secret: str | None
    token_ref: str | None
    settings: dict[str, Any] | None


def account_of(row: AccountRow) -> Account:
    settings = row.settings or {}
    return Account(
        tenant_id=row.tenant_id,
        slug=row.slug,
        channel=row.channel,  # type: ignore[arg-type]  # the CHECK constraint's values
        secret=row.secret,
        token_ref=row.token_ref,
        extra={str(k): str(v) for k, v in settings.items()},
        phone_region=row.phone_region,
        welcome_text=row.welcome_text,
    )


# The tenant's account on %(channel)s; a row with a NULL secret when the tenant has no such channel.
FIND = """
SELECT t.id AS tenant_id, t.slug, %(channel)s::text AS channel, c.secret, c.token_ref, c.settings,
       t.phone_region, t.welcome_text
  FROM tenants t
  LEFT JOIN channel_accounts c ON c.tenant_id = t.id AND c.channel = %(channel)s
 WHERE t.slug = %(slug)s
"""

# Every channel of a tenant (the admin tool's ``channels``).
LIST = """
SELECT channel, secret, token_ref, settings FROM channel_accounts WHERE tenant_id = %(tenant_id)s ORDER BY channel DESC
"""

SAVE = """
INSERT INTO tenant_channels (tenant_id, channel, secret, token_ref, settings)
VALUES (%(tenant_id)s, %(channel)s, %(secret)s, %(token_ref)s, %(settings)s)
ON CONFLICT (tenant_id, channel) DO UPDATE
   SET secret = EXCLUDED.secret, token_ref = EXCLUDED.token_ref, settings = EXCLUDED.settings, updated_at = now()
"""


def find(conn: Connection, channel: ChannelName, slug: str) -> Account | None:
    row = fetch_one(conn, AccountRow, FIND, channel=channel, slug=slug)
    return account_of(row) if row is not None else None


_found: dict[tuple[str, str], tuple[float, Account]] = {}  # (channel, slug) -> (when read, account)


def cached(channel: ChannelName, slug: str) -> Account | None:
    """The account this container read for (channel, slug) less than the max age ago, if any."""
    entry = _found.get((channel, slug))
    if entry is None or time.monotonic() - entry[0] >= get_settings().channel_accounts_max_age_s:
        return None
    return entry[1]


def remember(account: Account) -> None:
    """Keep an account just read (only a found one with a secret: unknown slugs are never kept)."""
    _found[(account.channel, account.slug)] = (time.monotonic(), account)


@snapstart.after_restore
def forget_cached() -> None:
    """Forget every cached account (tests between tests; a SnapStart restore)."""
    _found.clear()


def of_tenant(conn: Connection, tenant_id: UUID) -> list[ChannelRow]:
    return fetch_all(conn, ChannelRow, LIST, tenant_id=tenant_id)


def save(
    conn: Connection,
    tenant_id: UUID,
    channel: ChannelName,
    secret: str,
    token_ref: str | None,
    settings: Mapping[str, str],
) -> None:
    """Set a tenant's VK or MAX account (the admin tool)."""
    execute(
        conn,
        SAVE,
        tenant_id=tenant_id,
        channel=channel,
        secret=secret,
        token_ref=token_ref,
        settings=Jsonb(dict(settings)),
    )
