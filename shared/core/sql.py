"""The query helpers of the data layer: named, parameterized SQL lives in each domain's ``sql.py`` and
``*_sql.py`` modules (``shared.appeals.sql``, ``shared.auth.sessions_sql``...). Nothing else holds SQL.

Queries return typed rows: a ``Record`` (``shared.core.records``) per query shape, built from the
columns by name through the helpers below, so callers read ``row.name`` and mypy checks it. A function
that takes the columns as keywords serves as a row type too (a row that nests another,
``shared.appeals.sql.take``)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, LiteralString, TypedDict, TypeVar, cast

from psycopg import sql
from psycopg.rows import RowFactory, kwargs_row
from psycopg.types.json import Jsonb

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.settings import Settings

R = TypeVar("R")

# The one definition of a live session (``operator_devices`` as ``d``): before its absolute expiry
# and active within its device type's idle lifetime. Validation, the sessions list and every push
# fan-out use it, so a phone signed out for one is signed out for all (the cleanup, which ends
# sessions later, deletes exactly the others). Needs the parameters idle_mobile and idle_desktop
# (``live_session_params``).
LIVE_SESSION = """(d.expires_at > now()
       AND d.last_active_at > now() - CASE d.device_type WHEN 'mobile' THEN %(idle_mobile)s::interval
                                                         ELSE %(idle_desktop)s::interval END)"""


class LiveSessionParams(TypedDict):
    idle_mobile: timedelta
    idle_desktop: timedelta


def live_session_params(settings: Settings) -> LiveSessionParams:
    """``LIVE_SESSION``'s parameters: each device type's idle lifetime."""
    return {"idle_mobile": settings.idle_lifetime("mobile"), "idle_desktop": settings.idle_lifetime("desktop")}


Query = LiteralString | sql.Composed  # a named constant, or a composed one (shared.core.jobs_sql)


def jsonb_or_null(value: Any) -> Jsonb | None:
    """``value`` as a jsonb parameter; None stays SQL NULL (``Jsonb(None)`` would be the JSON ``null``)."""
    return None if value is None else Jsonb(value)


def fetch_one(conn: Connection, row_type: Callable[..., R], query: Query, **params: Any) -> R | None:
    """The query's first row as a ``row_type``, or None."""
    with conn.cursor(row_factory=_rows(row_type)) as cur:
        return cur.execute(query, params).fetchone()


def fetch_all(conn: Connection, row_type: Callable[..., R], query: Query, **params: Any) -> list[R]:
    """Every row of the query as a ``row_type``."""
    with conn.cursor(row_factory=_rows(row_type)) as cur:
        return cur.execute(query, params).fetchall()


def _rows(row_type: Callable[..., R]) -> RowFactory[R]:
    """A record type's own builder (its columns checked once per result), else psycopg's keyword rows."""
    by_keyword = kwargs_row(row_type)
    if not (isinstance(row_type, type) and issubclass(row_type, Record)):
        return by_keyword
    builder = row_type.builder

    def rows(cursor: Any) -> Any:
        names = _column_names(cursor)
        if names is None:  # a statement without rows: psycopg's own refusal to read any
            return by_keyword(cursor)
        return builder(names)

    return cast("RowFactory[R]", rows)


def _column_names(cursor: Any) -> list[str] | None:
    """The current result's column names, read from the result itself (``cursor.description`` would
    build a full ``Column`` for each, ~10x the cost on a wide row), or None when it has no columns."""
    result = cursor.pgresult
    if result is None or not result.nfields:
        return None
    encoding = cursor.connection.info.encoding
    return [(result.fname(i) or b"").decode(encoding) for i in range(result.nfields)]


def execute(conn: Connection, query: Query, **params: Any) -> int:
    """Run a statement for its effect; the number of rows it touched (or returned)."""
    with conn.cursor() as cur:
        return cur.execute(query, params).rowcount
