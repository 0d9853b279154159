"""Migration runner: ``sql/NNNN_name.sql`` files applied in order, each in one transaction
together with its row in ``schema_migrations``, under a transaction-level advisory lock. Applying
twice is a no-op; several runners at once (through a pooler too) apply each file once.
Each migration has a ``NNNN_name.down.sql`` that undoes it; ``rollback`` runs them newest first.

The library only: the migrate function calls it in AWS, and ``python -m ops.migrate`` is its
command line (outside the layer).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from shared.core.settings import get_settings

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
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


def _down_file(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".sql") + ".down.sql")


def _check_version(version: str) -> str:
    if not re.fullmatch(r"\d{4}", version):
        raise ValueError(f"a version is four digits (0000 for none), not {version!r}")
    return version


def apply(
    conninfo: str,
    sql_dir: Path = SQL_DIR,
    *,
    target: str | None = None,
    statement_timeout_ms: int | None = None,
    app_role: str | None = None,
) -> list[str]:
    """Apply what is pending (up to and including ``target`` if given); returns the names applied.

    Safe to start several at once, also through a transaction pooler (PgBouncer, RDS Proxy): every
    step is one transaction that first takes a transaction-level advisory lock (released by its
    COMMIT, so no lock is ever left on a pooled server connection) and then re-checks what is applied.
    It also sets the application's statement timeout as the role's default in this database
    (``statement_timeout_ms``, default ``DB_STATEMENT_TIMEOUT_MS``): a pooler drops the startup
    ``options`` the app would otherwise send, and a role default costs no round trip at all.
    ``app_role``, the app's own user when it is not this one, gets its privileges and the same
    timeout by name once the migrations are applied (``grant_app_role``, sql/0015_app_role.sql).
    """
    if target is not None:
        _check_version(target)
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
            if target is not None and version > target:
                break
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
        if app_role:
            with _locked(conn):
                if conn.execute("SELECT to_regprocedure('grant_app_role(name, integer)')").fetchone() == (None,):
                    raise RuntimeError("cannot grant the app's role below migration 0015 (grant_app_role)")
                conn.execute("SELECT grant_app_role(%s, %s)", (app_role, timeout))
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


def applied_versions(conninfo: str) -> list[str]:
    """The versions recorded in ``schema_migrations``, oldest first (empty on a new database)."""
    with psycopg.connect(conninfo, prepare_threshold=None) as conn:
        if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
            return []
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def rollback(conninfo: str, target: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """Undo every applied migration newer than ``target`` ("0000": all of them), newest first, each
    ``.down.sql`` in one transaction with the removal of its ``schema_migrations`` row, under the
    same transaction-level advisory lock as ``apply``. Returns the names rolled back. Refuses (before changing
    anything) when a migration to undo has no ``.down.sql`` or no longer exists here."""
    _check_version(target)
    files = {path.name[:4]: path for path in migration_files(sql_dir)}
    rolled_back: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
        with _locked(conn):
            conn.execute(_CREATE_TABLE)
            rows = conn.execute(
                "SELECT version, name FROM schema_migrations WHERE version > %s ORDER BY version DESC", (target,)
            ).fetchall()
        for version, name in rows:
            if version not in files or not _down_file(files[version]).exists():
                raise RuntimeError(f"cannot roll back {name}: no {name.removesuffix('.sql')}.down.sql here")
        for version, name in rows:
            with _locked(conn):
                if conn.execute("DELETE FROM schema_migrations WHERE version = %s", (version,)).rowcount == 0:
                    continue  # another runner rolled it back while this one waited
                conn.execute(sql.SQL(_down_file(files[version]).read_text()))
            rolled_back.append(name)
    return rolled_back


def status(conninfo: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """One line per migration file: ``applied`` or ``pending``, and its name."""
    done = set(applied_versions(conninfo))
    return [f"{'applied' if p.name[:4] in done else 'pending'}  {p.name}" for p in migration_files(sql_dir)]


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
    lines = ["-- Generated by `python -m ops.migrate --schema`; a test keeps it in sync."]
    with psycopg.connect(conninfo, prepare_threshold=None) as conn:
        for kind, query in _SCHEMA_QUERIES.items():
            rows = sorted(str(row[0]) for row in conn.execute(query))
            lines += [f"-- {kind} {row}" for row in rows]
    return "\n".join(lines) + "\n"
