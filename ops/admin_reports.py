"""The admin tool's report commands: who is an owner (owners see the reports), and a tenant's
calendar (time zone and working hours: the reports' days, heatmap and business time).

    python -m ops.admin set-role LOGIN owner|operator
    python -m ops.admin set-calendar SLUG [--time-zone Europe/Moscow] [--hours "mon-sat=09:00-20:00,sun=off"]
    python -m ops.admin calendar SLUG
"""

from __future__ import annotations

import argparse
from typing import Any

from shared.core import db
from shared.reports import settings_sql
from shared.reports.calendar import describe_hours, parse_hours, zone


class ReportsAdminError(Exception):
    pass


def set_role(args: argparse.Namespace) -> str:
    row = db.run(lambda conn: settings_sql.set_role(conn, args.login, args.role))
    if row is None:
        raise ReportsAdminError(f"no operator with login {args.login!r}")
    return f"{args.login} ({row.name}) is now {'an owner' if row.role == 'owner' else 'an operator'}"


def _describe(slug: str, row: settings_sql.CalendarRow) -> str:
    return f"{slug}: time zone {row.time_zone}, working hours {describe_hours(row.working_hours)}"


def set_calendar(args: argparse.Namespace) -> str:
    if args.time_zone is None and args.hours is None:
        raise ReportsAdminError("give --time-zone, --hours or both")
    try:
        if args.time_zone is not None:
            zone(args.time_zone)
        hours = parse_hours(args.hours) if args.hours is not None else None
    except ValueError as exc:
        raise ReportsAdminError(str(exc)) from None
    row = db.run(lambda conn: settings_sql.set_calendar(conn, args.slug, args.time_zone, hours), transaction=True)
    if row is None:
        raise ReportsAdminError(f"no tenant with slug {args.slug!r}")
    return _describe(args.slug, row)


def show_calendar(args: argparse.Namespace) -> str:
    row = db.run(lambda conn: settings_sql.get_calendar(conn, args.slug))
    if row is None:
        raise ReportsAdminError(f"no tenant with slug {args.slug!r}")
    return _describe(args.slug, row)


def add_commands(commands: Any) -> None:
    """Adds the commands to the admin tool's subparsers."""
    role = commands.add_parser("set-role", help="make an operator an owner (sees reports) or a plain operator")
    role.add_argument("login")
    role.add_argument("role", choices=("owner", "operator"))
    role.set_defaults(run=set_role)
    calendar = commands.add_parser("set-calendar", help="a tenant's time zone and working hours (for reports)")
    calendar.add_argument("slug")
    calendar.add_argument("--time-zone", help="an IANA name, e.g. Europe/Moscow")
    calendar.add_argument(
        "--hours", help='e.g. "mon-fri=09:00-20:00,sat=10:00-16:00,sun=off" (days not named are closed)'
    )
    calendar.set_defaults(run=set_calendar)
    show = commands.add_parser("calendar", help="a tenant's time zone and working hours")
    show.add_argument("slug")
    show.set_defaults(run=show_calendar)
