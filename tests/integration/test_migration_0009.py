"""Migration 0009 (the appeal lifecycle): its backfill and its rollback."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from shared.core import migrations

pytestmark = pytest.mark.integration

SQL = Path(__file__).resolve().parents[2] / "sql"
PREVIOUS = "0008"  # the migration before 0009 (media), whose push kinds 0009's rollback restores


@pytest.fixture
def two_databases(server_url: str) -> Iterator[tuple[str, str]]:
    names = [f"bcrm_m9_{secrets.token_hex(4)}" for _ in range(2)]
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(server_url, dbname=names[0]), make_conninfo(server_url, dbname=names[1])
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def up_to(version: str, tmp_path: Path) -> Path:
    folder = tmp_path / f"upto-{version}"
    folder.mkdir(exist_ok=True)
    for path in migrations.migration_files():
        if path.name[:4] <= version:
            shutil.copy(path, folder / path.name)
    return folder


def test_0009_backfills_unread_counters_and_rolls_back_to_the_previous_schema(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    before, after = two_databases
    migrations.apply(before, up_to(PREVIOUS, tmp_path))
    # An appeal with history from the first release: two client messages and an answer
    with psycopg.connect(after, autocommit=True) as conn:
        migrations.apply(after, up_to(PREVIOUS, tmp_path))
        tenant = conn.execute("INSERT INTO tenants (name, slug) VALUES ('S', 's') RETURNING id").fetchone()
        assert tenant is not None
        client = conn.execute("INSERT INTO clients (tenant_id) VALUES (%s) RETURNING id", tenant).fetchone()
        assert client is not None
        appeal = conn.execute(
            "INSERT INTO appeals (tenant_id, client_id) VALUES (%s, %s) RETURNING id", (tenant[0], client[0])
        ).fetchone()
        assert appeal is not None
        for direction, status in (("in", "received"), ("out", "sent"), ("in", "received")):
            conn.execute(
                "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status) "
                "VALUES (%s, %s, %s, 'x', %s)",
                (tenant[0], appeal[0], direction, status),
            )
        migrations.apply(after, up_to("0009", tmp_path))
        assert conn.execute("SELECT in_seq FROM appeals").fetchone() == (2,)
        conn.execute(
            "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status) "
            "VALUES (%s, %s, 'note', 'internal note', 'internal')",
            (tenant[0], appeal[0]),
        )
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status) "
                "VALUES (%s, %s, 'note', 'sent?', 'sent')",
                (tenant[0], appeal[0]),
            )
        # Rolling back: the notes go, the schema is the previous migration's again
        with conn.transaction():
            conn.execute((SQL / "0009_appeal_lifecycle.down.sql").read_text())
            conn.execute("DELETE FROM schema_migrations WHERE version = '0009'")
        assert conn.execute("SELECT count(*) FROM appeal_messages").fetchone() == (3,)

    # pg_trgm stays installed (harmless); everything else matches
    def strip(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if "schema_migrations" not in line)

    assert strip(migrations.describe_schema(after)) == strip(migrations.describe_schema(before))
