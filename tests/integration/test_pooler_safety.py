"""What a transaction pooler (PgBouncer, RDS Proxy) in front of PostgreSQL must not break: the
statement timeout, and migrations started several at once. These run against the test server
directly, and through PgBouncer when PGBOUNCER_URL is set or the whole suite runs behind one (CI)."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from shared.core import db, migrations
from tests.helpers import Api, Factory, Operator

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database, reached through PGBOUNCER_URL when that is given."""
    name = f"bcrm_pool_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(os.environ.get("PGBOUNCER_URL") or server_url, dbname=name)
    db.close()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def pooler_mode_with_an_appeal(configure: Any, url: str, direct_url: str) -> tuple[Operator, UUID]:
    """The app in pooler mode on ``url`` with a 1 s statement timeout, and an operator of a new
    tenant with one appeal (written through ``direct_url``)."""
    configure(database_url=url, database_pooler="true", db_statement_timeout_ms=1000)
    factory = Factory(direct_url)
    tenant = factory.tenant()
    op = factory.operator(tenant)
    appeal = factory.appeal(tenant)
    factory.close()
    return op, appeal


@contextlib.contextmanager
def locked(url: str, sql: str, *params: Any) -> Iterator[None]:
    """A row lock held by another connection for the block (at most 20 s: never hang the suite)."""
    holder = psycopg.connect(url, prepare_threshold=None)
    holder.execute(sql, params)
    watchdog = threading.Timer(20, holder.close)
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        holder.close()


def renew_server_connections(url: str) -> None:
    """End every server connection to the database (a pooler then opens new ones, as it does when
    it renews them), this one included."""
    # its own connection ends too
    with contextlib.suppress(psycopg.OperationalError), psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()")


def test_six_migration_runs_at_once_apply_each_migration_once(fresh_database: str) -> None:
    results: list[list[str] | BaseException] = []
    start = threading.Barrier(6, timeout=30)

    def run() -> None:
        start.wait()
        try:
            results.append(migrations.apply(fresh_database))
        except BaseException as exc:  # reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [r for r in results if isinstance(r, BaseException)], results
    applied = sorted(name for names in results if isinstance(names, list) for name in names)
    assert applied == [p.name for p in migrations.migration_files()]  # each exactly once, by some runner
    with psycopg.connect(fresh_database, autocommit=True, prepare_threshold=None) as conn:
        rows = conn.execute("SELECT version, count(*) FROM schema_migrations GROUP BY version").fetchall()
        assert len(rows) == len(applied) and {n for _, n in rows} == {1}
        locks = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        ).fetchone()
        assert locks == (0,)


def test_behind_a_pooler_a_held_row_lock_ends_in_503_within_the_statement_timeout(
    fresh_database: str, api: Api, configure: Any
) -> None:
    # Given a database migrated with a 1 s statement timeout, and the app in pooler mode. (Server
    # connections a pooler opened before keep the old default until it renews them: end them here.)
    migrations.apply(fresh_database, statement_timeout_ms=1000)
    renew_server_connections(fresh_database)
    op, appeal = pooler_mode_with_an_appeal(configure, fresh_database, fresh_database)
    token = api.login(op)
    assert db.run(lambda conn: conn.execute("SHOW statement_timeout").fetchone()) == {"statement_timeout": "1s"}
    # When another connection holds the appeal's row lock
    with locked(fresh_database, "SELECT 1 FROM appeals WHERE id = %s FOR UPDATE", appeal):
        started = time.monotonic()
        reply = api.post(f"/webhook/api/operator/appeals/{appeal}/take", token=token)
        elapsed = time.monotonic() - started
    # Then the request ends with 503 (and Retry-After) once the timeout is up, not when the lock goes
    assert (reply.status, reply.error_code) == (503, "service_unavailable"), reply.body
    assert reply.headers["retry-after"]
    assert elapsed < 10
    # And the next request works
    assert api.post(f"/webhook/api/operator/appeals/{appeal}/take", token=token).status == 200
