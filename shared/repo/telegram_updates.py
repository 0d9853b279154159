"""The Telegram webhook's side: which tenant a webhook URL belongs to, and which updates were seen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from shared.db import Connection

FIND_TENANT_BY_SLUG = """
SELECT id, telegram_webhook_secret, phone_region, welcome_text, telegram_bot_token_ref
  FROM tenants WHERE slug = %(slug)s
"""

# True the first time an update id is seen for the tenant; a duplicate delivery inserts nothing.
RECORD = """
INSERT INTO telegram_updates (tenant_id, update_id) VALUES (%(tenant_id)s, %(update_id)s)
ON CONFLICT DO NOTHING
RETURNING update_id
"""

# Telegram redelivers an update for at most a day: older ids need not be remembered.
TRIM = """
DELETE FROM telegram_updates
 WHERE (tenant_id, update_id) IN (SELECT tenant_id, update_id FROM telegram_updates
                                   WHERE received_at < now() - %(retention)s::interval
                                   LIMIT %(batch)s FOR UPDATE SKIP LOCKED)
"""


def find_tenant_by_slug(conn: Connection, slug: str) -> dict[str, Any] | None:
    return conn.execute(FIND_TENANT_BY_SLUG, {"slug": slug}).fetchone()


def record(conn: Connection, tenant_id: UUID, update_id: int) -> bool:
    return conn.execute(RECORD, {"tenant_id": tenant_id, "update_id": update_id}).fetchone() is not None


def trim(conn: Connection, retention: timedelta, batch: int) -> int:
    return conn.execute(TRIM, {"retention": retention, "batch": batch}).rowcount
