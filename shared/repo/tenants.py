"""Tenants (shops): created by the admin tool, found by slug when their Telegram webhook is called,
their bot token reference and welcome text set by the admin tool."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared.db import Connection

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

SET_BOT_TOKEN_REF = """
UPDATE tenants SET telegram_bot_token_ref = %(ref)s WHERE slug = %(slug)s RETURNING id
"""


def find_bot(conn: Connection, slug: str) -> dict[str, Any] | None:
    return conn.execute(FIND_BOT, {"slug": slug}).fetchone()


def set_bot_token_ref(conn: Connection, slug: str, ref: str) -> bool:
    return conn.execute(SET_BOT_TOKEN_REF, {"slug": slug, "ref": ref}).fetchone() is not None


def find_by_slug(conn: Connection, slug: str) -> dict[str, Any] | None:
    return conn.execute(FIND_TENANT_BY_SLUG, {"slug": slug}).fetchone()


def create(
    conn: Connection, *, slug: str, name: str, phone_region: str, webhook_secret: str, bot_token_ref: str | None
) -> UUID:
    params = {
        "slug": slug,
        "name": name,
        "phone_region": phone_region,
        "webhook_secret": webhook_secret,
        "bot_token_ref": bot_token_ref,
    }
    row = conn.execute(CREATE_TENANT, params).fetchone()
    assert row is not None
    return UUID(str(row["id"]))


def with_plain_bot_token(conn: Connection) -> list[str]:
    """Slugs of the tenants whose bot token sits in the database (``plain:``)."""
    rows = conn.execute("SELECT slug FROM tenants WHERE telegram_bot_token_ref LIKE 'plain:%' ORDER BY slug")
    return [str(row["slug"]) for row in rows]


def set_welcome_text(conn: Connection, slug: str, text: str | None) -> bool:
    return conn.execute(SET_WELCOME_TEXT, {"slug": slug, "text": text}).rowcount == 1
