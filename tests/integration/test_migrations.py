"""Migrations: order, idempotence, the checked-in schema, and the upgrade from the n8n schema."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from shared.core import migrations
from tests.helpers import Api

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    name = f"bcrm_mig_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(server_url, dbname=name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_applying_twice_is_a_no_op(empty_database: str) -> None:
    first = migrations.apply(empty_database)
    assert first == [p.name for p in migrations.migration_files()]
    assert migrations.apply(empty_database) == []


def test_an_edited_migration_is_refused(empty_database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    migrations.apply(empty_database, tmp_path)
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id bigint);")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        migrations.apply(empty_database, tmp_path)


def test_a_failing_migration_leaves_nothing_half_applied(empty_database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.Error):
        migrations.apply(empty_database, tmp_path)
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('half')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (0,)


def test_migrating_an_empty_database_reproduces_schema_sql(empty_database: str) -> None:
    migrations.apply(empty_database)
    expected = (ROOT / "sql" / "schema.sql").read_text()
    assert migrations.describe_schema(empty_database) == expected, (
        "sql/schema.sql is out of date: regenerate it with `python -m ops.migrate --schema > sql/schema.sql`"
    )


def test_upgrading_the_n8n_schema_keeps_everyone_logged_in(empty_database: str, api: Api, configure: Any) -> None:
    # Given the old schema with a plaintext session token (and the string 'null' as device_id)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute((ROOT / "tests" / "fixtures" / "legacy_n8n_schema.sql").read_text())
        tenant = conn.execute("INSERT INTO tenants (name) VALUES ('Old shop') RETURNING id").fetchone()
        assert tenant is not None
        op = conn.execute(
            "INSERT INTO operators (tenant_id, login, name, password_hash) VALUES (%s, %s, 'Old', 'x') RETURNING id",
            (tenant[0], f"old-{secrets.token_hex(3)}@shop.test"),
        ).fetchone()
        assert op is not None
        conn.execute(
            "INSERT INTO operator_devices (operator_id, tenant_id, device_type, session_token, device_id) "
            "VALUES (%s, %s, 'mobile', 'legacy-plaintext-token', 'null')",
            (op[0], tenant[0]),
        )
    # When the migrations run
    migrations.apply(empty_database)
    # Then the token is stored hashed only, and still opens the session
    with psycopg.connect(empty_database) as conn:
        row = conn.execute("SELECT token_hash, device_id FROM operator_devices").fetchone()
        assert row == (hashlib.sha256(b"legacy-plaintext-token").digest(), None)
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'operator_devices'"
            )
        }
        assert "session_token" not in columns
    configure(database_url=empty_database)
    reply = api.get("/webhook/api/operator/session", token="legacy-plaintext-token")
    assert reply.status == 200, reply.body
    assert reply.body["session"]["device_type"] == "mobile"
