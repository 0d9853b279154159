"""The push outbox: one row per device to notify, written inside the causing transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.db import Connection

ENQUEUE = """
INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, session_id)
VALUES (%(tenant_id)s, %(kind)s, %(data)s, %(fcm_token)s, %(session_id)s)
"""


# Fan-out to every live mobile session of the tenant that can receive pushes, in one statement.
ENQUEUE_FOR_TENANT_MOBILES = """
INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, session_id)
SELECT d.tenant_id, %(kind)s, %(data)s, d.fcm_token, d.id
  FROM operator_devices d
  JOIN operators o ON o.id = d.operator_id AND o.is_active
 WHERE d.tenant_id = %(tenant_id)s
   AND d.device_type = 'mobile'
   AND d.fcm_token IS NOT NULL
   AND d.expires_at > now()
   AND d.operator_id IS DISTINCT FROM %(except_operator_id)s
"""


def enqueue_for_tenant_mobiles(
    conn: Connection, tenant_id: UUID, kind: str, data: dict[str, Any], except_operator_id: UUID | None = None
) -> int:
    """Queue ``kind`` for every live mobile session of the tenant with an FCM token (but those of
    ``except_operator_id``); returns how many rows were queued."""
    params = {"tenant_id": tenant_id, "kind": kind, "data": Jsonb(data), "except_operator_id": except_operator_id}
    return conn.execute(ENQUEUE_FOR_TENANT_MOBILES, params).rowcount


def enqueue(
    conn: Connection,
    tenant_id: UUID,
    kind: str,
    data: dict[str, Any],
    targets: Iterable[tuple[str, UUID | None]],
) -> int:
    """Queue ``kind`` with ``data`` for every (fcm_token, session_id) target; returns the count."""
    rows = [
        {"tenant_id": tenant_id, "kind": kind, "data": Jsonb(data), "fcm_token": token, "session_id": sid}
        for token, sid in targets
    ]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(ENQUEUE, rows)
    return len(rows)
