"""Operators and tenants."""

from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.settings import OperatorRole
from shared.core.sql import execute, fetch_one


class OperatorRow(Record):
    """An operator with the password hash (only sign-in and password changes read it)."""

    id: UUID
    tenant_id: UUID
    login: str
    name: str
    password_hash: str
    is_active: bool
    role: OperatorRole


class OperatorRef(Record):
    id: UUID
    tenant_id: UUID


FIND_BY_LOGIN = """
SELECT o.id, o.tenant_id, o.login, o.name, o.password_hash, o.is_active, o.role
  FROM operators o
 WHERE lower(o.login) = lower(%(login)s)
"""

SET_PASSWORD_HASH = """
UPDATE operators SET password_hash = %(password_hash)s WHERE id = %(operator_id)s
"""


FIND_BY_ID = """
SELECT o.id, o.tenant_id, o.login, o.name, o.password_hash, o.is_active, o.role
  FROM operators o
 WHERE o.id = %(operator_id)s AND o.tenant_id = %(tenant_id)s
"""

CHANGE_PASSWORD = """
UPDATE operators SET password_hash = %(password_hash)s, password_changed_at = now()
 WHERE id = %(operator_id)s
"""

SET_ACTIVE = """
UPDATE operators SET is_active = %(is_active)s WHERE lower(login) = lower(%(login)s) RETURNING id, tenant_id
"""

CREATE_OPERATOR = """
INSERT INTO operators (tenant_id, login, name, password_hash)
SELECT t.id, %(login)s, %(name)s, %(password_hash)s FROM tenants t WHERE t.slug = %(tenant_slug)s
RETURNING id, tenant_id
"""


def find_by_login(conn: Connection, login: str) -> OperatorRow | None:
    return fetch_one(conn, OperatorRow, FIND_BY_LOGIN, login=login)


def set_password_hash(conn: Connection, operator_id: UUID, password_hash: str) -> None:
    execute(conn, SET_PASSWORD_HASH, operator_id=operator_id, password_hash=password_hash)


def find_by_id(conn: Connection, operator_id: UUID, tenant_id: UUID) -> OperatorRow | None:
    return fetch_one(conn, OperatorRow, FIND_BY_ID, operator_id=operator_id, tenant_id=tenant_id)


def change_password(conn: Connection, operator_id: UUID, password_hash: str) -> None:
    execute(conn, CHANGE_PASSWORD, operator_id=operator_id, password_hash=password_hash)


def set_active(conn: Connection, login: str, is_active: bool) -> OperatorRef | None:
    return fetch_one(conn, OperatorRef, SET_ACTIVE, login=login, is_active=is_active)


def create_operator(
    conn: Connection, *, tenant_slug: str, login: str, name: str, password_hash: str
) -> OperatorRef | None:
    return fetch_one(
        conn, OperatorRef, CREATE_OPERATOR, tenant_slug=tenant_slug, login=login, name=name, password_hash=password_hash
    )
