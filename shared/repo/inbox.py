"""The webhook's changes besides new messages: edits, reachability, the client's own phone."""

from __future__ import annotations

from uuid import UUID

from shared.db import Connection

# The client's incoming message with that Telegram id (in any of their appeals).
EDIT_MESSAGE = """
UPDATE appeal_messages m
   SET text = %(text)s, edited_at = now(), updated_at = clock_timestamp()
  FROM appeals a, clients c
 WHERE c.tenant_id = %(tenant_id)s AND c.telegram_id = %(telegram_id)s
   AND a.tenant_id = c.tenant_id AND a.client_id = c.id
   AND m.appeal_id = a.id AND m.tenant_id = a.tenant_id
   AND m.direction = 'in' AND m.telegram_message_id = %(telegram_message_id)s
"""

SET_REACHABLE = """
UPDATE clients SET reachable = %(reachable)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND telegram_id = %(telegram_id)s AND reachable IS DISTINCT FROM %(reachable)s
"""

# The client's own shared contact: the phone when they have none; verified when it is that phone.
SET_OWN_PHONE = """
UPDATE clients
   SET phone = COALESCE(phone, %(phone)s),
       phone_verified = phone_verified OR phone IS NULL OR phone = %(phone)s,
       updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND telegram_id = %(telegram_id)s
"""


def edit_message(conn: Connection, tenant_id: UUID, telegram_id: int, telegram_message_id: int, text: str) -> int:
    params = {"tenant_id": tenant_id, "telegram_id": telegram_id, "telegram_message_id": telegram_message_id}
    return conn.execute(EDIT_MESSAGE, {**params, "text": text}).rowcount


def set_reachable(conn: Connection, tenant_id: UUID, telegram_id: int, reachable: bool) -> int:
    params = {"tenant_id": tenant_id, "telegram_id": telegram_id, "reachable": reachable}
    return conn.execute(SET_REACHABLE, params).rowcount


def set_own_phone(conn: Connection, tenant_id: UUID, telegram_id: int, phone: str) -> int:
    params = {"tenant_id": tenant_id, "telegram_id": telegram_id, "phone": phone}
    return conn.execute(SET_OWN_PHONE, params).rowcount
