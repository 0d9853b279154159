"""Promos: texts a tenant sends to clients."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared.db import Connection

FIND_ACTIVE = """
SELECT id, title, text FROM promos WHERE id = %(promo_id)s AND tenant_id = %(tenant_id)s AND is_active
"""


def find_active(conn: Connection, tenant_id: UUID, promo_id: UUID) -> dict[str, Any] | None:
    return conn.execute(FIND_ACTIVE, {"tenant_id": tenant_id, "promo_id": promo_id}).fetchone()


LIST_ACTIVE = """
SELECT id, title, text FROM promos WHERE tenant_id = %(tenant_id)s AND is_active ORDER BY created_at, id
"""


def list_active(conn: Connection, tenant_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(LIST_ACTIVE, {"tenant_id": tenant_id}).fetchall()
