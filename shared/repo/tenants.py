"""Tenants, as the admin tool sees them: the Telegram bot of a tenant."""

from __future__ import annotations

from typing import Any

from shared.db import Connection

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
