"""Migration 0012 (the new_sign_in push kind) and its rollback. Other migrations of the same release
widen the same CHECK for their own push kinds, so 0012 must keep whatever kinds it finds."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from shared.core import migrations

pytestmark = pytest.mark.integration

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
UP = (SQL_DIR / "0012_new_sign_in_push.sql").read_text()
DOWN = (SQL_DIR / "0012_new_sign_in_push.down.sql").read_text()
KINDS = """
SELECT pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'push_outbox'::regclass AND conname = 'push_outbox_kind_check'
"""


@pytest.fixture
def migrated(server_url: str) -> Iterator[psycopg.Connection]:
    name = f"bcrm_mig_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(server_url, dbname=name)
    migrations.apply(url)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def kinds(conn: psycopg.Connection) -> str:
    row = conn.execute(KINDS).fetchone()
    assert row is not None
    return str(row[0])


def test_rolled_back_and_applied_again_it_keeps_the_kinds_other_migrations_added(migrated: psycopg.Connection) -> None:
    # Given the migrated database, where new_sign_in is allowed, and a queued new_sign_in push
    assert "'new_sign_in'" in kinds(migrated)
    tenant = migrated.execute(
        "INSERT INTO tenants (name, slug, phone_region) VALUES ('Shop', %s, 'RU') RETURNING id",
        (f"t-{secrets.token_hex(4)}",),
    ).fetchone()
    assert tenant is not None
    migrated.execute(
        "INSERT INTO push_outbox (tenant_id, kind, data, fcm_token) VALUES (%s, 'new_sign_in', '{}', 'tok')",
        (tenant[0],),
    )
    # When it is rolled back: the queued push goes, the kind is refused, every other kind stays
    migrated.execute(sql.SQL(DOWN))
    assert migrated.execute("SELECT count(*) FROM push_outbox WHERE kind = 'new_sign_in'").fetchone() == (0,)
    before = kinds(migrated)
    assert "new_sign_in" not in before and "'session_replaced'" in before
    # And when another migration meanwhile allowed a kind of its own, applying 0012 again keeps it
    migrated.execute("ALTER TABLE push_outbox DROP CONSTRAINT push_outbox_kind_check")
    migrated.execute(
        "ALTER TABLE push_outbox ADD CONSTRAINT push_outbox_kind_check "
        "CHECK (kind IN ('new_appeal', 'appeal_taken', 'session_replaced', 'appeal_message'))"
    )
    migrated.execute(sql.SQL(UP))
    assert kinds(migrated) == (
        "CHECK ((kind = ANY (ARRAY['new_appeal'::text, 'appeal_taken'::text, 'session_replaced'::text, "
        "'appeal_message'::text, 'new_sign_in'::text])))"
    )
    migrated.execute(sql.SQL(UP))  # applying it twice changes nothing
    assert kinds(migrated).count("new_sign_in") == 1
