"""Reports against a known history, with a controlled clock: every fact is written with the time
it happened (as the services write it, through the same triggers), the report is asked at a fixed
"now", and each figure is compared with the value worked out by hand in the comments.

The tenant is in Europe/Moscow (UTC+3 all year), open Mon-Sat 09:00-20:00. The period is Monday
2 November 2026 to Monday 9 November 2026; "now" is Monday 9 November 12:00 (Moscow)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.reports import service
from shared.reports.models import ReportSummary
from tests.helpers import Factory
from tests.reports_history import History, every_channel_allowed, session_of

pytestmark = pytest.mark.integration

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 9, 12, 0, tzinfo=MSK)
PERIOD = service.ReportQuery("2026-11-02", "2026-11-09")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026, Moscow time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def any_channel(factory: Factory) -> Iterator[None]:
    with every_channel_allowed(factory):
        yield


class Shop:
    def __init__(self, factory: Factory) -> None:
        self.tenant = factory.tenant()
        self.anna = factory.operator(self.tenant, name="Anna")
        self.boris = factory.operator(self.tenant, name="Boris")
        factory.execute("UPDATE operators SET role = 'owner' WHERE id = %s", self.anna.id)
        self.appeals: dict[str, uuid.UUID] = {}


@pytest.fixture
def shop(factory: Factory, any_channel: None) -> Shop:
    """The known history (Moscow times; W = the working-hours clock)."""
    s = Shop(factory)
    h = History(factory, s.tenant)
    anna, boris = s.anna, s.boris

    # A0: opened before the period (Sun 1 Nov 23:00), taken then, answered in it (Mon 2 09:00).
    a0 = h.opens(msk(1, 23), name="Early")
    h.takes(a0, anna, msk(1, 23, 30))
    h.answers(a0, anna, msk(2, 9))

    # A1: Mon 10:00 and 10:02 (one run), taken 10:05, a note at 10:07 (not an answer), answered
    # 10:10 (first response 600 s, business 600 s; reply 600 s), the client again at 10:20, answered
    # 10:50 (reply 1800 s), closed 11:00.
    a1 = h.opens(msk(2, 10), name="Ivan")
    h.writes(a1, msk(2, 10, 2))
    h.takes(a1, anna, msk(2, 10, 5))
    h.notes(a1, anna, msk(2, 10, 7))
    h.answers(a1, anna, msk(2, 10, 10))
    h.writes(a1, msk(2, 10, 20))
    h.answers(a1, anna, msk(2, 10, 50))
    h.closes(a1, msk(2, 11))
    # ... reopened Tue 19:55 (back to anna), answered Wed 09:05: 47,400 s, of which business time
    # 19:55-20:00 + 09:00-09:05 = 600 s; transferred to boris 09:10, who answers 09:20 (nobody was
    # waiting: no reply time) and closes 09:30.
    h.writes(a1, msk(3, 19, 55))
    h.answers(a1, anna, msk(4, 9, 5))
    h.transfers(a1, boris, msk(4, 9, 10))
    h.answers(a1, boris, msk(4, 9, 20))
    h.closes(a1, msk(4, 9, 30))

    # A3 (note only): Tue 12:00, taken 12:01, a note 12:02, closed 12:05 without an answer: lost.
    a3 = h.opens(msk(3, 12), name="Nina")
    h.takes(a3, anna, msk(3, 12, 1))
    h.notes(a3, anna, msk(3, 12, 2))
    h.closes(a3, msk(3, 12, 5))

    # A4: Thu 15:00, rejected by boris 15:03 without an answer: lost.
    a4 = h.opens(msk(5, 15), name="Spam")
    h.rejects(a4, boris, msk(5, 15, 3))

    # A5: Fri 18:00, nobody answers: unanswered, waiting since then.
    a5 = h.opens(msk(6, 18), name="Oleg")

    # A2 (VK, over the weekend): Sat 19:50, taken by boris Mon 09:05, a promo Mon 09:10: 134,400 s,
    # business 19:50-20:00 + (Sunday closed) + 09:00-09:10 = 1,200 s; the client writes again 09:15
    # and waits.
    a2 = h.opens(msk(7, 19, 50), name="Petr", channel="vk")
    h.takes(a2, boris, msk(9, 9, 5))
    h.answers(a2, boris, msk(9, 9, 10), promo=True)
    h.writes(a2, msk(9, 9, 15))

    # Another tenant, same days: never counts.
    other = factory.tenant()
    olga = factory.operator(other, name="Olga")
    factory.execute("UPDATE operators SET role = 'owner' WHERE id = %s", olga.id)
    ho = History(factory, other)
    b1 = ho.opens(msk(2, 10), name="Elsewhere")
    ho.answers(b1, olga, msk(2, 10, 1))
    ho.opens(msk(6, 11), name="Elsewhere waiting")

    s.appeals = {"a0": a0, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5}
    return s


def report(shop: Shop, **filters: Any) -> ReportSummary:
    query = service.ReportQuery(**{**vars(PERIOD), **filters})
    return service.summary(session_of(shop.anna), query, now=NOW)


def test_first_response_counts_each_opening_in_wall_clock_and_business_time(shop: Shop) -> None:
    fr = report(shop).first_response
    # openings of the period: A1, A1 reopened, A3, A4, A5, A2; answered: 600, 47,400, 134,400
    assert fr.answered == 3
    assert fr.unanswered == 1  # A5
    assert fr.median_s == 47_400
    assert fr.p90_s == pytest.approx(47_400 + 0.8 * (134_400 - 47_400))  # 117,000
    assert fr.within_target_pct == 33.3  # 600 <= 600 only
    # business: 600, 600, 1,200
    assert fr.business_median_s == 600
    assert fr.business_p90_s == pytest.approx(600 + 0.8 * 600)
    assert fr.business_within_target_pct == 66.7


def test_lost_reply_and_waiting(shop: Shop) -> None:
    r = report(shop)
    assert r.lost == 2  # A3 (a note is no answer), A4 (rejected)
    # runs started in the period and answered: 600, 1,800, 47,400, 134,400 (A0's run began before it)
    assert r.reply.count == 4
    assert r.reply.median_s == (1_800 + 47_400) / 2
    assert r.reply.p90_s == pytest.approx(47_400 + 0.7 * (134_400 - 47_400))
    # now Mon 9 Nov 12:00: A5 waits since Fri 18:00 (237,600 s), A2 since 09:15 (9,900 s)
    waiting = r.waiting_now
    assert waiting.count == 2
    assert waiting.oldest_wait_s == 237_600
    assert [(w.id, w.client_name, w.channel, w.wait_s) for w in waiting.appeals] == [
        (shop.appeals["a5"], "Oleg", "telegram", 237_600),
        (shop.appeals["a2"], "Petr", "vk", 9_900),
    ]


def test_volume_by_day_heatmap_and_channel(shop: Shop) -> None:
    v = report(shop).volume
    assert [(d.date.day, d.count) for d in v.by_day] == [(2, 1), (3, 2), (4, 0), (5, 1), (6, 1), (7, 1), (8, 0), (9, 0)]
    cells = {(d, h): n for d, row in enumerate(v.heatmap) for h, n in enumerate(row) if n}
    assert cells == {(0, 10): 1, (1, 12): 1, (1, 19): 1, (3, 15): 1, (4, 18): 1, (5, 19): 1}
    assert len(v.heatmap) == 7 and all(len(row) == 24 for row in v.heatmap)
    assert v.by_channel == {"telegram": 5, "vk": 1, "max": 0}


def test_operators_work(shop: Shop) -> None:
    ops = {o.name: o for o in report(shop).operators}
    assert set(ops) == {"Anna", "Boris"}
    anna, boris = ops["Anna"], ops["Boris"]
    # anna: took A1 and A3; answered A0 (in the period), A1 x3; gave A1 to boris; closed A1 and A3
    assert (anna.taken, anna.answered, anna.transferred_out, anna.closed, anna.rejected) == (2, 4, 1, 2, 0)
    assert anna.first_response_median_s == (600 + 47_400) / 2
    # boris: A1 transferred in, took A2; answered A1 once and A2's promo; closed A1; rejected A4
    assert (boris.taken, boris.answered, boris.transferred_out, boris.closed, boris.rejected) == (2, 2, 0, 1, 1)
    assert boris.first_response_median_s == 134_400


def test_filters_by_channel_and_operator(shop: Shop) -> None:
    vk = report(shop, channel="vk")
    assert (vk.first_response.answered, vk.first_response.median_s, vk.lost) == (1, 134_400, 0)
    assert vk.volume.by_channel == {"telegram": 0, "vk": 1, "max": 0}
    assert [w.channel for w in vk.waiting_now.appeals] == ["vk"]

    # boris's openings: A2 (he answered first) and A4 (he ended it)
    mine = report(shop, operator_id=str(shop.boris.id))
    assert (mine.first_response.answered, mine.first_response.median_s, mine.lost) == (1, 134_400, 1)
    assert [o.name for o in mine.operators] == ["Boris"]
    assert [w.id for w in mine.waiting_now.appeals] == [shop.appeals["a2"]]


def test_csv_has_one_row_per_opening_matching_the_summary(shop: Shop) -> None:
    text = service.export_csv(session_of(shop.anna), PERIOD, now=NOW)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(service.CSV_COLUMNS)
    assert [
        (r["client"], r["channel"], r["first_response_s"], r["first_response_business_s"], r["outcome"]) for r in rows
    ] == [
        ("Ivan", "telegram", "600", "600", "closed"),
        ("Nina", "telegram", "", "", "closed"),
        ("Ivan", "telegram", "47400", "600", "closed"),
        ("Spam", "telegram", "", "", "rejected"),
        ("Oleg", "telegram", "", "", "open"),
        ("Petr", "vk", "134400", "1200", "open"),
    ]
    ivan = rows[0]
    assert (ivan["operator"], ivan["messages_in"], ivan["messages_out"]) == ("Anna", "3", "2")
    assert datetime.fromisoformat(ivan["opened_at"]) == msk(2, 10)
    assert datetime.fromisoformat(ivan["ended_at"]) == msk(2, 11)
    assert rows[3]["operator"] == "Boris"  # rejected by him, never answered


def test_a_period_in_the_future_or_with_no_facts_is_empty_not_an_error(shop: Shop) -> None:
    r = service.summary(session_of(shop.anna), service.ReportQuery("2025-01-01", "2025-01-31"), now=NOW)
    assert (r.first_response.answered, r.first_response.median_s, r.lost, r.reply.count) == (0, None, 0, 0)
    assert sum(d.count for d in r.volume.by_day) == 0 and len(r.volume.by_day) == 31


def test_the_default_period_is_the_last_30_days_in_the_tenants_zone(shop: Shop) -> None:
    r = service.summary(session_of(shop.anna), service.ReportQuery(), now=NOW)
    assert (str(r.period.from_), str(r.period.to)) == ("2026-10-11", "2026-11-09")
    assert r.first_response.answered == 4  # A0 too (opened 1 Nov)
