"""Which Telegram updates were seen (so a repeated delivery is acknowledged and ignored)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from shared.core.db import Connection
from shared.core.sql import execute

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


def record(conn: Connection, tenant_id: UUID, update_id: int) -> bool:
    return execute(conn, RECORD, tenant_id=tenant_id, update_id=update_id) > 0


def trim(conn: Connection, retention: timedelta, batch: int) -> int:
    return execute(conn, TRIM, retention=retention, batch=batch)
