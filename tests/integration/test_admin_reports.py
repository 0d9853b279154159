"""The admin tool's report commands, run as a separate process: roles and the tenant's calendar
(changing it recomputes the business time of the openings already recorded)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import Api, Factory
from tests.integration.test_admin_cli import admin
from tests.reports_history import History

pytestmark = pytest.mark.integration

MSK = ZoneInfo("Europe/Moscow")


def test_set_role_makes_an_owner_who_then_sees_reports(database_url: str, api: Api, factory: Factory) -> None:
    op = factory.operator(name="Boris")
    token = api.login(op, "desktop")
    assert api.get("/webhook/api/operator/reports/summary", token=token).error_code == "forbidden"

    done = admin(database_url, "set-role", op.login.upper(), "owner")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{op.login.upper()} (Boris) is now an owner"
    assert api.get("/webhook/api/operator/reports/summary", token=token).status == 200

    assert admin(database_url, "set-role", op.login, "operator").returncode == 0
    assert api.get("/webhook/api/operator/reports/summary", token=token).error_code == "forbidden"
    missing = admin(database_url, "set-role", "nobody@nowhere.test", "owner")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: no operator with login 'nobody@nowhere.test'")


def test_set_calendar_recomputes_business_time(database_url: str, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    history = History(factory, tenant)
    # Monday 19:55 -> Tuesday 09:05 (Moscow): 600 s of business time under the default hours
    appeal = history.opens(datetime(2026, 11, 2, 19, 55, tzinfo=MSK), name="Late")
    history.answers(appeal, op, datetime(2026, 11, 3, 9, 5, tzinfo=MSK))

    def business_s() -> int:
        return int(factory.one("SELECT business_s FROM appeal_openings WHERE appeal_id = %s", appeal)["business_s"])

    assert business_s() == 600
    shown = admin(database_url, "calendar", tenant.slug)
    assert shown.stdout.strip() == (
        f"{tenant.slug}: time zone Europe/Moscow, working hours mon=09:00-20:00,tue=09:00-20:00,wed=09:00-20:00,"
        "thu=09:00-20:00,fri=09:00-20:00,sat=09:00-20:00,sun=off"
    )

    # open until 22:00 on weekdays: 19:55-22:00 and 09:00-09:05 = 7,800 s
    done = admin(database_url, "set-calendar", tenant.slug, "--hours", "mon-fri=09:00-22:00")
    assert done.returncode == 0, done.stderr
    assert business_s() == 7_800
    # the same moments in Yekaterinburg (+2 h), open 09:00-20:00 again: Monday 21:55 is after hours,
    # Tuesday 09:00-11:05 = 7,500 s
    moved = admin(
        database_url, "set-calendar", tenant.slug, "--time-zone", "Asia/Yekaterinburg", "--hours", "mon-sat=09:00-20:00"
    )
    assert moved.returncode == 0, moved.stderr
    assert business_s() == 7_500

    for bad in (("--hours", "mon=9-20"), ("--time-zone", "Mars/Olympus")):
        refused = admin(database_url, "set-calendar", tenant.slug, *bad)
        assert refused.returncode == 1 and refused.stderr.startswith("error: ")
    assert admin(database_url, "set-calendar", "no-such-shop", "--hours", "mon=off").returncode == 1
