"""Property: for any history, the CSV's per-opening rows aggregate to the summary's figures (counts,
medians, p90s, within-target shares, volume by day, weekday x hour and channel), for any period."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.reports import service
from tests.helpers import Factory
from tests.reports_history import History, every_channel_allowed, session_of

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("Asia/Yekaterinburg")
START = datetime(2026, 3, 2, 0, 0, tzinfo=ZONE)  # a Monday
NOW = START + timedelta(days=12)

# One appeal's life: steps a minute to two days apart. The client writes (reopening a closed
# appeal), an operator (0 or 1) takes, answers, sends a promo, writes a note or transfers, the
# holder closes, or someone rejects (the end of that appeal).
STEP = st.tuples(
    st.sampled_from(["write", "take", "answer", "promo", "note", "transfer", "close", "reject"]),
    st.integers(min_value=0, max_value=1),
    st.integers(min_value=1, max_value=2 * 24 * 60),
)
APPEAL = st.tuples(
    st.sampled_from(["telegram", "vk"]),
    st.integers(min_value=0, max_value=10 * 24 * 60),
    st.lists(STEP, max_size=8),
)


def play(history: History, ops: list[Any], appeals: list[tuple[str, int, list[tuple[str, int, int]]]]) -> None:
    for number, (channel, start, steps) in enumerate(appeals):
        at = START + timedelta(minutes=start)
        appeal = history.opens(at, name=f"Client {number}", channel=channel)
        status, holder = "new", None
        for action, who, gap in steps:
            at += timedelta(minutes=gap)
            op = ops[who]
            if status == "rejected" or at >= NOW:
                break
            if action == "write":
                history.writes(appeal, at)
                status = "in_progress" if holder else "new"
            elif status == "closed":
                continue  # nothing but the client's message changes a closed appeal
            elif action in ("answer", "promo"):
                history.answers(appeal, op, at, promo=action == "promo")
            elif action == "note":
                history.notes(appeal, op, at)
            elif action in ("take", "transfer"):
                history.takes(appeal, op, at)
                status, holder = "in_progress", op
            elif action == "close":
                history.closes(appeal, at)
                status = "closed"
            else:
                history.rejects(appeal, op, at)
                status = "rejected"


def p90(values: list[int]) -> float:
    """percentile_cont(0.9): linear between the closest ranks."""
    ordered = sorted(values)
    position = 0.9 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    appeals=st.lists(APPEAL, min_size=1, max_size=6),
    first_day=st.integers(min_value=0, max_value=6),
    days=st.integers(min_value=1, max_value=12),
)
def test_the_csv_rows_aggregate_to_the_summary(factory: Factory, appeals: Any, first_day: int, days: int) -> None:
    tenant = factory.tenant()
    factory.execute("UPDATE tenants SET time_zone = %s WHERE id = %s", ZONE.key, tenant.id)
    ops = [factory.operator(tenant, name="Anna"), factory.operator(tenant, name="Boris")]
    factory.execute("UPDATE operators SET role = 'owner' WHERE id = %s", ops[0].id)
    with every_channel_allowed(factory):
        play(History(factory, tenant), ops, appeals)
        first = START.date() + timedelta(days=first_day)
        query = service.ReportQuery(first.isoformat(), (first + timedelta(days=days - 1)).isoformat())
        summary = service.summary(session_of(ops[0]), query, now=NOW)
        rows = list(csv.DictReader(io.StringIO(service.export_csv(session_of(ops[0]), query, now=NOW))))

    answered = [r for r in rows if r["first_response_s"]]
    seconds = [int(r["first_response_s"]) for r in answered]
    business = [int(r["first_response_business_s"]) for r in answered]
    fr = summary.first_response
    assert fr.answered == len(answered)
    assert fr.unanswered == sum(1 for r in rows if not r["first_response_s"] and r["outcome"] == "open")
    assert summary.lost == sum(1 for r in rows if not r["first_response_s"] and r["outcome"] != "open")
    if answered:
        assert fr.median_s == pytest.approx(statistics.median(seconds))
        assert fr.p90_s == pytest.approx(p90(seconds))
        assert fr.business_median_s == pytest.approx(statistics.median(business))
        assert fr.business_p90_s == pytest.approx(p90(business))
    else:
        assert (fr.median_s, fr.p90_s, fr.business_median_s) == (None, None, None)
    target = summary.period.first_response_target_s
    assert fr.within_target_pct == pct(sum(1 for s in seconds if s <= target), len(answered))
    assert fr.business_within_target_pct == pct(sum(1 for s in business if s <= target), len(answered))

    opened = [datetime.fromisoformat(r["opened_at"]).astimezone(ZONE) for r in rows]
    per_day: Counter[date] = Counter(o.date() for o in opened)
    assert [(d.date, d.count) for d in summary.volume.by_day] == [
        (first + timedelta(days=i), per_day[first + timedelta(days=i)]) for i in range(days)
    ]
    cells = Counter((o.weekday(), o.hour) for o in opened)
    assert {(d, h): n for d, row in enumerate(summary.volume.heatmap) for h, n in enumerate(row) if n} == dict(cells)
    channels = Counter(r["channel"] for r in rows)
    assert summary.volume.by_channel == {"telegram": channels["telegram"], "vk": channels["vk"], "max": 0}
    assert sum(o.answered for o in summary.operators) >= sum(int(r["messages_out"]) for r in rows)
