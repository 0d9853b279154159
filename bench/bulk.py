"""Loading a bench's rows in bulk: indexes dropped while the rows go in and built once after, far
faster than maintaining them row by row."""

from __future__ import annotations

from typing import Any

import psycopg


def drop_indexes(conn: psycopg.Connection[Any], names: tuple[str, ...]) -> list[str]:
    """Drops the indexes ``names``: the statements that build them again, as they were defined."""
    definitions = [
        (r[0], r[1])
        for r in conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", (list(names),))
    ]
    for name, _ in definitions:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in definitions]
