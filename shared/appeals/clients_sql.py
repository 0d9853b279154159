"""Clients (the people who write to a shop, one per channel). Every query is scoped by the caller's
tenant_id.

``reachable`` says whether the shop can write to the client: false once their channel refused a
send (they blocked the shop) or told us so (Telegram ``kicked``, VK ``message_deny``); true again
as soon as the client writes or allows the shop again. Only a change is written (the row is not
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


def mark_reachable(conn: Connection, tenant_id: UUID, client_id: UUID, reachable: bool) -> bool:
    """Set the client's ``reachable`` flag; True when it changed."""
    return execute(conn, MARK_REACHABLE, tenant_id=tenant_id, client_id=client_id, reachable=reachable) > 0
