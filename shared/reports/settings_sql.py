"""What the admin tool sets for reports: an operator's role, a tenant's calendar."""

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import fetch_one


class CalendarRow(Record):
    time_zone: str
    working_hours: list[int]


class RoleRow(Record):
    name: str
    role: str


SET_ROLE = """
UPDATE operators SET role = %(role)s WHERE lower(login) = lower(%(login)s) RETURNING name, role
"""

# The new calendar, then the tenant's openings recomputed under it (local times, business time).
SET_CALENDAR = """
WITH t AS (
    UPDATE tenants
       SET time_zone = COALESCE(%(time_zone)s, time_zone),
           working_hours = COALESCE(%(working_hours)s::integer[], working_hours)
     WHERE slug = %(slug)s
 RETURNING id, time_zone, working_hours
)
SELECT time_zone, working_hours FROM t
"""

RECALENDAR = "SELECT appeal_openings_recalendar(id) FROM tenants WHERE slug = %(slug)s"

GET_CALENDAR = "SELECT time_zone, working_hours FROM tenants WHERE slug = %(slug)s"


def set_role(conn: Connection, login: str, role: str) -> RoleRow | None:
    return fetch_one(conn, RoleRow, SET_ROLE, login=login, role=role)


def set_calendar(
    conn: Connection, slug: str, time_zone: str | None, working_hours: tuple[int, ...] | None
) -> CalendarRow | None:
    """In the caller's transaction: the calendar, and the openings recomputed (they read it)."""
    row = fetch_one(
        conn,
        CalendarRow,
        SET_CALENDAR,
        slug=slug,
        time_zone=time_zone,
        working_hours=list(working_hours) if working_hours is not None else None,
    )
    if row is not None:
        conn.execute(RECALENDAR, {"slug": slug})
    return row


def get_calendar(conn: Connection, slug: str) -> CalendarRow | None:
    return fetch_one(conn, CalendarRow, GET_CALENDAR, slug=slug)
