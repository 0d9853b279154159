"""A tenant's calendar: its time zone and working hours (14 numbers: opening and closing second of
the day per weekday, Monday first), as the admin tool reads and writes them. The database applies
them (sql/0017_reports.sql: ``report_clock``, ``appeal_openings_calendar``)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = (32400, 72000) * 6 + (0, 0)  # Mon-Sat 09:00-20:00
_SPAN = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?=(?:(\d\d):(\d\d)-(\d\d):(\d\d)|off)$"
)


def zone(name: str) -> ZoneInfo:
    """An IANA time zone; ValueError for anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name like Europe/Moscow)") from exc


def parse_hours(spec: str) -> tuple[int, ...]:
    """``mon-fri=09:00-20:00,sat=10:00-16:00,sun=off``: the days not named are closed."""
    hours = [0] * 14
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        m = _SPAN.match(part)
        if m is None:
            raise ValueError(f"cannot read {part!r}: write day[-day]=HH:MM-HH:MM or day[-day]=off")
        first, last = DAYS.index(m[1]), DAYS.index(m[2] or m[1])
        if last < first:
            raise ValueError(f"{part!r}: the days run Monday to Sunday")
        opens = closes = 0
        if m[3] is not None:
            opens, closes = int(m[3]) * 3600 + int(m[4]) * 60, int(m[5]) * 3600 + int(m[6]) * 60
            if int(m[4]) > 59 or int(m[6]) > 59 or closes > 86400 or opens >= closes:
                raise ValueError(f"{part!r}: the hours must open before they close, within the day")
        for day in range(first, last + 1):
            hours[2 * day], hours[2 * day + 1] = opens, closes
    return tuple(hours)


def describe_hours(hours: tuple[int, ...] | list[int]) -> str:
    """The admin tool's spelling of working hours (what parse_hours reads)."""
    parts = []
    for day, name in enumerate(DAYS):
        opens, closes = hours[2 * day], hours[2 * day + 1]
        parts.append(f"{name}={_hhmm(opens)}-{_hhmm(closes)}" if closes > opens else f"{name}=off")
    return ",".join(parts)


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
