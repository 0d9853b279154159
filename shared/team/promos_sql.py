"""Promos: texts a tenant sends to clients."""

from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import fetch_all, fetch_one


class PromoRow(Record):
    id: UUID
    title: str
    text: str


FIND_ACTIVE = """
SELECT id, title, text FROM promos WHERE id = %(promo_id)s AND tenant_id = %(tenant_id)s AND is_active
"""


def find_active(conn: Connection, tenant_id: UUID, promo_id: UUID) -> PromoRow | None:
    return fetch_one(conn, PromoRow, FIND_ACTIVE, tenant_id=tenant_id, promo_id=promo_id)


LIST_ACTIVE = """
SELECT id, title, text FROM promos WHERE tenant_id = %(tenant_id)s AND is_active ORDER BY created_at, id
"""


def list_active(conn: Connection, tenant_id: UUID) -> list[PromoRow]:
    return fetch_all(conn, PromoRow, LIST_ACTIVE, tenant_id=tenant_id)
