"""One PostgreSQL connection per warm container, and the unit-of-work runner around it.

Connections are autocommit: a single statement is one round trip; ``run(..., transaction=True)``
wraps a unit of work in BEGIN/COMMIT. A connection found dead (the database restarted, a proxy
dropped it while the container slept) is replaced and the unit retried once; if the database
cannot be reached the caller gets ``ServiceUnavailable`` (503), never a traceback.

``after_commit(callback)`` lets code inside a unit of work ask for something to happen once its
changes are durable (the push outbox kicks its dispatcher this way): the callbacks run after
COMMIT, and are dropped when the unit rolls back or is retried.

The statement timeout (``DB_STATEMENT_TIMEOUT_MS``) holds on every connection: a startup option
when the app talks to PostgreSQL itself; behind a transaction pooler (``DATABASE_POOLER=true``),
which drops startup options and hands out server connections of any age, ``PoolerCursor`` sets it
in front of every statement, in the same message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Self, TypeVar

import psycopg
from psycopg import sql
from psycopg.abc import Params, Query
from psycopg.rows import dict_row

from shared.core import secret_values, snapstart, tracing
from shared.core.errors import ServiceUnavailable
from shared.core.observability import logger
from shared.core.settings import get_settings

T = TypeVar("T")
Connection = psycopg.Connection[dict[str, Any]]

# Thread-local: in Lambda there is one thread, but under `make run` and in the tests the push and
# media dispatchers run as threads (devtools/push_worker.py) beside the requests served in the same
# process, and a connection must never carry two units of work at once.
_local = threading.local()


class PoolerCursor(psycopg.ClientCursor[dict[str, Any]]):
    """Behind a transaction pooler: each statement goes as one simple-protocol message that starts
    by setting the statement timeout on whichever server connection runs it. A pooled server
    connection opened before the migrations set the role's default keeps what it had (no timeout)
    until the pooler renews it, hours later behind RDS Proxy; this holds whatever its age, in the
    same round trip. PostgreSQL (13+) times each statement of such a message on its own, so the
    statement after it has the new timeout. ``set_config`` rather than ``SET``: RDS Proxy pins a
    client to its server connection on a ``SET``, not on a function call. Parameters are bound on
    the client (psycopg quotes them into the text), as the simple protocol requires."""

    def execute(
        self, query: Query, params: Params | None = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Self:  # prepare and binary: never with client-side binding
        if isinstance(query, bytes):
            query = query.decode()
        if not isinstance(query, str | sql.Composable):
            raise TypeError("a query as text or composed SQL")
        text = query if isinstance(query, str) else query.as_string(self.connection)
        timeout = int(get_settings().db_statement_timeout_ms)  # an int: safe to put in the text
        super().execute(f"SELECT set_config('statement_timeout', '{timeout}', false); {text}", params)
        self.nextset()  # past set_config's row: the caller reads its own statement's result
        return self


def _connect() -> Connection:
    settings = get_settings()
    try:
        if settings.database_pooler:
            return psycopg.connect(
                secret_values.database_url(),
                autocommit=True,
                row_factory=dict_row,
                cursor_factory=PoolerCursor,
                connect_timeout=settings.db_connect_timeout_s,
                application_name="batterycrm",
            )
        return psycopg.connect(
            secret_values.database_url(),
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=settings.db_connect_timeout_s,
            options=f"-c statement_timeout={settings.db_statement_timeout_ms}",
            prepare_threshold=5,
            application_name="batterycrm",
        )
    except psycopg.OperationalError as exc:
        logger.error("database unreachable", extra={"error": type(exc).__name__})
        raise ServiceUnavailable() from exc


def connection() -> Connection:
    """The container's connection, opened on first use and reopened when closed or broken
    (or when the settings were reloaded, which only tests and the local tools do)."""
    conn: Connection | None = getattr(_local, "conn", None)
    settings = get_settings()
    if conn is None or conn.closed or conn.broken or getattr(_local, "settings", None) is not settings:
        if conn is not None:
            conn.close()
        conn = _connect()
        _local.conn, _local.settings = conn, settings
    return conn


def after_commit(callback: Callable[[], None]) -> None:
    """Call ``callback`` once the current ``run`` has committed (once, however often it is asked
    for); never if it rolls back. Outside ``run`` there is nothing to wait for: it is called now."""
    pending: list[Callable[[], None]] | None = getattr(_local, "after_commit", None)
    if pending is None:
        _call(callback)
    elif callback not in pending:
        pending.append(callback)


def _call(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception as exc:  # the data is committed: a failing follow-up must not fail the caller
        logger.warning("after-commit callback failed", extra={"error": type(exc).__name__})


def run(work: Callable[[Connection], T], *, transaction: bool = False) -> T:
    """Run ``work`` on the container's connection, inside one transaction when asked."""
    with tracing.span("postgres", transaction=transaction):
        return _run(work, transaction=transaction)


def _execute(conn: Connection, work: Callable[[Connection], T], transaction: bool) -> T:
    if not transaction:
        return work(conn)
    with conn.transaction():
        return work(conn)


def _run(work: Callable[[Connection], T], *, transaction: bool) -> T:
    if getattr(_local, "after_commit", None) is not None:  # nested: the outer run commits and calls back
        return _execute(connection(), work, transaction)
    reused = getattr(_local, "conn", None) is not None
    for attempt in (1, 2):
        conn = connection()
        _local.after_commit = []
        try:
            result = _execute(conn, work, transaction)
        except psycopg.errors.QueryCanceled as exc:  # the statement timeout: a lock held too long, say
            _local.after_commit = None
            logger.error("database statement timed out", extra={"error": type(exc).__name__})
            raise ServiceUnavailable() from exc
        except psycopg.OperationalError as exc:
            _local.after_commit = None
            if not conn.broken and not conn.closed:
                raise
            if attempt == 1 and reused:
                logger.warning("stale database connection replaced")
                continue
            logger.error("database connection lost", extra={"error": type(exc).__name__})
            raise ServiceUnavailable() from exc
        except BaseException:
            _local.after_commit = None
            raise
        callbacks, _local.after_commit = _local.after_commit, None
        for callback in callbacks:
            _call(callback)
        return result
    raise AssertionError("unreachable")


@snapstart.before_snapshot
@snapstart.after_restore
def close() -> None:
    """Close this container's connection (tests, the local gateway on shutdown, and SnapStart: no
    socket goes into a snapshot, and a restored copy opens its own)."""
    conn: Connection | None = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
        _local.conn = None


snapstart.register()
