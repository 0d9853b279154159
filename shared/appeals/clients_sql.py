"""Clients (the people who write to a shop's bot). Every query is scoped by the caller's tenant_id.

``reachable`` says whether the shop's bot can write to the client: false once Telegram refused a
send with 403 (the client blocked the bot) or a ``my_chat_member`` update said ``kicked``; true
again as soon as the client writes or unblocks the bot. Only a change is written (the row is not
touched when the flag already has that value), so calling these on every message is cheap.
"""

from __future__ import annotations

from uuid import UUID

from shared.core.db import Connection
from shared.core.sql import execute

MARK_REACHABLE = """
UPDATE clients SET reachable = %(reachable)s, updated_at = now()
 WHERE id = %(client_id)s AND tenant_id = %(tenant_id)s AND reachable IS DISTINCT FROM %(reachable)s
"""

MARK_REACHABLE_BY_TELEGRAM_ID = """
UPDATE clients SET reachable = %(reachable)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND telegram_id = %(telegram_id)s AND reachable IS DISTINCT FROM %(reachable)s
"""


def mark_reachable(conn: Connection, tenant_id: UUID, client_id: UUID, reachable: bool) -> bool:
    """Set the client's ``reachable`` flag; True when it changed."""
    return execute(conn, MARK_REACHABLE, tenant_id=tenant_id, client_id=client_id, reachable=reachable) > 0


def mark_reachable_by_telegram_id(conn: Connection, tenant_id: UUID, telegram_id: int, reachable: bool) -> bool:
    """The same, for the client with this Telegram user id (webhook updates carry that, not our id)."""
    return (
        execute(conn, MARK_REACHABLE_BY_TELEGRAM_ID, tenant_id=tenant_id, telegram_id=telegram_id, reachable=reachable)
        > 0
    )
