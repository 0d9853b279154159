"""The statement timeout holds on every pooled server connection, whatever its age: PgBouncer in
transaction mode, already connected before the migration set the role's timeout (those server
connections never read it), then a row lock held elsewhere. Every request ends in 503 within the
timeout instead of waiting for the lock."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shared.core import db, migrations
from tests.helpers import Api
from tests.integration.test_pooler_safety import locked, pooler_mode_with_an_appeal

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OLD_SERVER_CONNECTIONS = 6
APPEALS = "/webhook/api/operator/appeals"
UNAVAILABLE = (503, "service_unavailable")


@pytest.fixture
def pgbouncer(server_url: str) -> Iterator[str]:
    """A PgBouncer of our own in transaction mode (as CI starts it), in front of the test server.
    Its folder is not under pytest's tmp_path: run as root, PgBouncer runs as another user, who
    must reach it."""
    folder = Path(tempfile.mkdtemp(prefix="bcrm-pgbouncer-"))
    started = subprocess.run(
        [str(ROOT / ".ci" / "pgbouncer"), "start", str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PGBOUNCER_TARGET_PORT": str(conninfo_to_dict(server_url).get("port") or 5432)},
    )
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(ROOT / ".ci" / "pgbouncer"), "stop", str(folder)], check=False, timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pooled_database(server_url: str, pgbouncer: str) -> Iterator[tuple[str, str]]:
    """A new database: (its URL through PgBouncer, its direct URL)."""
    name = f"bcrm_pooled_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(pgbouncer, dbname=name), make_conninfo(server_url, dbname=name)
    db.close()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def open_old_server_connections(url: str, count: int) -> None:
    """Make PgBouncer open ``count`` server connections now (each client holds one in a
    transaction at the same time), and leave them idle in its pool."""
    clients = [psycopg.connect(url, prepare_threshold=None) for _ in range(count)]
    for conn in clients:
        conn.execute("SELECT 1")  # inside a transaction: the server stays this client's
    for conn in clients:
        conn.rollback()
        conn.close()


def pooled_timeouts(url: str, count: int) -> list[str]:
    """What ``count`` server connections of the pool say their statement timeout is."""
    clients = [psycopg.connect(url, prepare_threshold=None) for _ in range(count)]
    try:  # each inside a transaction at the same time: as many servers; ended cleanly, they stay pooled
        return [str(conn.execute("SHOW statement_timeout").fetchone()[0]) for conn in clients]  # type: ignore[index]
    finally:
        for conn in clients:
            conn.rollback()
            conn.close()


def at_once(count: int, work: Callable[[], Any]) -> list[tuple[Any, float]]:
    """``count`` calls started together from as many threads: (result, seconds) of each."""
    results: list[tuple[Any, float]] = []
    start = threading.Barrier(count, timeout=30)

    def run() -> None:
        start.wait()
        began = time.monotonic()
        try:
            results.append((work(), time.monotonic() - began))
        finally:
            db.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_behind_pgbouncer_connected_before_the_migration_every_request_times_out_on_a_lock(
    pooled_database: tuple[str, str], gateway: Any, configure: Any
) -> None:
    pooled, direct = pooled_database
    # Given PgBouncer up and connected to the database before the migration set the timeout (1 s)
    open_old_server_connections(pooled, OLD_SERVER_CONNECTIONS)
    migrations.apply(pooled, statement_timeout_ms=1000)
    assert "0" in pooled_timeouts(pooled, OLD_SERVER_CONNECTIONS)  # the pool still has servers without it
    op, appeal = pooler_mode_with_an_appeal(configure, pooled, direct)
    api = Api.in_process(gateway)
    token = api.login(op)
    session_id = db.run(lambda conn: conn.execute("SELECT id FROM operator_devices").fetchone())["id"]  # type: ignore[index]

    # When another connection holds the appeal's row and three operators take it at once
    with locked(direct, "SELECT 1 FROM appeals WHERE id = %s FOR UPDATE", appeal):
        takes = at_once(3, lambda: Api.in_process(gateway).post(f"{APPEALS}/{appeal}/take", token=token))
    # Then each of them ends with 503 once the timeout is up, none waits for the lock
    assert [(r.status, r.error_code) for r, _ in takes] == [UNAVAILABLE] * 3, [r.body for r, _ in takes]
    assert max(seconds for _, seconds in takes) < 5, takes

    # And register-fcm on a session row locked elsewhere does the same
    with locked(direct, "SELECT 1 FROM operator_devices WHERE id = %s FOR UPDATE", session_id):
        fcm = at_once(
            3, lambda: Api.in_process(gateway).post("/webhook/android-register-fcm", {"fcm_token": "f-1"}, token=token)
        )
    assert [(r.status, r.error_code) for r, _ in fcm] == [UNAVAILABLE] * 3, [r.body for r, _ in fcm]
    assert max(seconds for _, seconds in fcm) < 5, fcm
    # Once the locks are gone, the requests work
    assert api.post(f"{APPEALS}/{appeal}/take", token=token).status == 200
