"""Operators and tenants."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared.db import Connection

FIND_BY_LOGIN = """
SELECT o.id, o.tenant_id, o.login, o.name, o.password_hash, o.is_active
  FROM operators o
 WHERE lower(o.login) = lower(%(login)s)
"""

SET_PASSWORD_HASH = """
UPDATE operators SET password_hash = %(password_hash)s WHERE id = %(operator_id)s
"""


def find_by_login(conn: Connection, login: str) -> dict[str, Any] | None:
    return conn.execute(FIND_BY_LOGIN, {"login": login}).fetchone()


def set_password_hash(conn: Connection, operator_id: UUID, password_hash: str) -> None:
    conn.execute(SET_PASSWORD_HASH, {"operator_id": operator_id, "password_hash": password_hash})
