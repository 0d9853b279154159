"""Migration runner: ``sql/NNNN_name.sql`` files applied in order, each in one transaction
together with its row in ``schema_migrations``, under a transaction-level advisory lock. Applying
twice is a no-op; several runners at once (through a pooler too) apply each file once.

    python -m shared.migrations            # apply pending migrations to DATABASE_URL
    python -m shared.migrations --schema   # print the schema as it now is (see sql/schema.sql)
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from shared.settings import get_settings

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x42A77E41  # any constant; shared by every runner of this project

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


def migration_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted(p for p in sql_dir.iterdir() if _MIGRATION_FILE.match(p.name))


def apply(conninfo: str, sql_dir: Path = SQL_DIR, *, statement_timeout_ms: int | None = None) -> list[str]:
    """Apply what is pending; returns the names applied.

    Safe to start several at once, also through a transaction pooler (PgBouncer, RDS Proxy): every
    step is one transaction that first takes a transaction-level advisory lock (released by its
    COMMIT, so no lock is ever left on a pooled server connection) and then re-checks what is applied.
    It also sets the application's statement timeout as the role's default in this database
    (``statement_timeout_ms``, default ``DB_STATEMENT_TIMEOUT_MS``): a pooler drops the startup
    ``options`` the app would otherwise send, and a role default costs no round trip at all.
    """
    timeout = get_settings().db_statement_timeout_ms if statement_timeout_ms is None else statement_timeout_ms
    applied: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
        with _locked(conn):
            conn.execute(_CREATE_TABLE)
            database = conn.execute("SELECT current_database()").fetchone()
            assert database is not None
            conn.execute(
                sql.SQL("ALTER ROLE CURRENT_USER IN DATABASE {} SET statement_timeout = {}").format(
                    sql.Identifier(database[0]), sql.Literal(timeout)
                )
            )
            done = {row[0]: row[1] for row in conn.execute("SELECT version, checksum FROM schema_migrations")}
        for path in migration_files(sql_dir):
            version = path.name[:4]
            text = path.read_text()
            checksum = hashlib.sha256(text.encode()).hexdigest()
            if version in done:
                _same(path, done[version], checksum)
                continue
            with _locked(conn):
                row = conn.execute("SELECT checksum FROM schema_migrations WHERE version = %s", (version,)).fetchone()
                if row is not None:  # another runner applied it while this one waited
                    _same(path, row[0], checksum)
                    continue
                conn.execute(sql.SQL(text))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (version, path.name, checksum),
                )
            applied.append(path.name)
    return applied


@contextmanager
def _locked(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """One transaction holding the migrations' advisory lock, with no statement timeout."""
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = 0")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        yield


def _same(path: Path, applied_checksum: str, checksum: str) -> None:
    if applied_checksum != checksum:
        raise RuntimeError(f"{path.name} changed after it was applied; add a new migration")


_SCHEMA_QUERIES = {
    "column": """
        SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type
               || CASE WHEN c.is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END
               || COALESCE(' DEFAULT ' || c.column_default, '')
               || CASE WHEN c.is_identity = 'YES' THEN ' IDENTITY' ELSE '' END
          FROM information_schema.columns c
          JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'""",
    "constraint": """
        SELECT rel.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
          FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
         WHERE rel.relnamespace = current_schema()::regnamespace AND con.contype <> 'n'""",
    "index": """
        SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()""",
}


def describe_schema(conninfo: str) -> str:
    """A stable, version-independent text picture of the schema (tables, columns, constraints,
    indexes), one item per line, sorted; ``sql/schema.sql`` is this output checked in."""
    lines = ["-- Generated by `python -m shared.migrations --schema`; a test keeps it in sync."]
    with psycopg.connect(conninfo, prepare_threshold=None) as conn:
        for kind, query in _SCHEMA_QUERIES.items():
            rows = sorted(str(row[0]) for row in conn.execute(query))
            lines += [f"-- {kind} {row}" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    from shared import config

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", action="store_true", help="print the schema instead of migrating")
    args = parser.parse_args()
    url = config.database_url()
    if args.schema:
        print(describe_schema(url), end="")
        return
    for name in apply(url):
        print(f"applied {name}")
    print("database is up to date")


if __name__ == "__main__":
    main()
