"""Tenants (shops): created by the admin tool, found by slug when their Telegram webhook is called,
their bot token reference and welcome text set by the admin tool."""

from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_all, fetch_one


class WebhookTenantRow(Record):
    """What the Telegram webhook needs of a tenant."""

    id: UUID
    telegram_webhook_secret: str
    phone_region: str
    welcome_text: str | None
    telegram_bot_token_ref: str | None


class TenantBotRow(Record):
    """A tenant's bot, for the admin tool's Telegram commands."""

    id: UUID
    slug: str
    telegram_webhook_secret: str
    telegram_bot_token_ref: str | None


class TenantIdRow(Record):
    id: UUID


class SlugRow(Record):
    slug: str


FIND_TENANT_BY_SLUG = """
SELECT id, telegram_webhook_secret, phone_region, welcome_text, telegram_bot_token_ref
  FROM tenants WHERE slug = %(slug)s
"""

CREATE_TENANT = """
INSERT INTO tenants (name, slug, phone_region, telegram_webhook_secret, telegram_bot_token_ref)
VALUES (%(name)s, %(slug)s, %(phone_region)s, %(webhook_secret)s, %(bot_token_ref)s)
RETURNING id
"""

SET_WELCOME_TEXT = """
UPDATE tenants SET welcome_text = %(text)s WHERE slug = %(slug)s
"""


FIND_BOT = """
SELECT id, slug, telegram_webhook_secret, telegram_bot_token_ref FROM tenants WHERE slug = %(slug)s
"""

PLAIN_BOT_TOKENS = """
SELECT slug FROM tenants WHERE telegram_bot_token_ref LIKE 'plain:%%' ORDER BY slug
"""

SET_BOT_TOKEN_REF = """
UPDATE tenants SET telegram_bot_token_ref = %(ref)s WHERE slug = %(slug)s RETURNING id
"""


def find_bot(conn: Connection, slug: str) -> TenantBotRow | None:
    return fetch_one(conn, TenantBotRow, FIND_BOT, slug=slug)


def set_bot_token_ref(conn: Connection, slug: str, ref: str) -> bool:
    return fetch_one(conn, TenantIdRow, SET_BOT_TOKEN_REF, slug=slug, ref=ref) is not None


def find_by_slug(conn: Connection, slug: str) -> WebhookTenantRow | None:
    return fetch_one(conn, WebhookTenantRow, FIND_TENANT_BY_SLUG, slug=slug)


def create(
    conn: Connection, *, slug: str, name: str, phone_region: str, webhook_secret: str, bot_token_ref: str | None
) -> UUID:
    row = fetch_one(
        conn,
        TenantIdRow,
        CREATE_TENANT,
        slug=slug,
        name=name,
        phone_region=phone_region,
        webhook_secret=webhook_secret,
        bot_token_ref=bot_token_ref,
    )
    assert row is not None
    return row.id


def with_plain_bot_token(conn: Connection) -> list[str]:
    """Slugs of the tenants whose bot token sits in the database (``plain:``)."""
    return [row.slug for row in fetch_all(conn, SlugRow, PLAIN_BOT_TOKENS)]


def set_welcome_text(conn: Connection, slug: str, text: str | None) -> bool:
    return execute(conn, SET_WELCOME_TEXT, slug=slug, text=text) == 1
