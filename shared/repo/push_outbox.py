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
