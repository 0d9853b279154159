"""The admin tool's spelling of working hours, and time zones."""

from __future__ import annotations

import pytest

from shared.reports.calendar import DEFAULT_HOURS, describe_hours, parse_hours, zone


def test_the_default_is_monday_to_saturday_nine_to_eight() -> None:
    assert describe_hours(DEFAULT_HOURS) == (
        "mon=09:00-20:00,tue=09:00-20:00,wed=09:00-20:00,thu=09:00-20:00,fri=09:00-20:00,sat=09:00-20:00,sun=off"
    )
    assert parse_hours("mon-sat=09:00-20:00") == DEFAULT_HOURS


def test_days_not_named_are_closed_and_later_spans_win() -> None:
    hours = parse_hours("mon-fri=08:30-18:00, sat=10:00-16:00, fri=off")
    assert describe_hours(hours) == (
        "mon=08:30-18:00,tue=08:30-18:00,wed=08:30-18:00,thu=08:30-18:00,fri=off,sat=10:00-16:00,sun=off"
    )
    assert parse_hours("sun=00:00-24:00")[12:] == (0, 86400)


@pytest.mark.parametrize(
    "spec", ["mon=9-20", "fri-mon=09:00-20:00", "mon=20:00-09:00", "mon=09:00-25:00", "mon=09:61-10:00", "xyz=off"]
)
def test_what_cannot_be_read_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_hours(spec)


def test_time_zones_are_iana_names() -> None:
    assert zone("Asia/Yekaterinburg").key == "Asia/Yekaterinburg"
    for bad in ("Mars/Olympus", "../etc/passwd", ""):
        with pytest.raises(ValueError):
            zone(bad)
