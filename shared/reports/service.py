"""The owner's reports: who may see them, the period asked for, the summary and the CSV export.

The caller's role comes with the session. Round trips: the tenant's time zone (and the operator
filter's check), the figures (one statement over the period's openings and events), the waiting list
(the tenant's open appeals)."""

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import Forbidden, InvalidRequest, NotFound, parse_uuid
from shared.core.records import Record
from shared.core.settings import get_settings
from shared.reports import sql
from shared.reports.calendar import zone
from shared.reports.models import (
    CHANNELS,
    FirstResponse,
    OperatorFigures,
    Period,
    Reply,
    ReportSummary,
    Volume,
    WaitingAppeal,
    WaitingNow,
)

MAX_DAYS = 366
DEFAULT_DAYS = 30
CSV_COLUMNS = (
    "appeal_id",
    "opened_at",
    "channel",
    "client",
    "operator",
    "first_response_s",
    "first_response_business_s",
    "messages_in",
    "messages_out",
    "ended_at",
    "outcome",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReportQuery(Record):
    """The query string as sent (dates as text: they are read in the tenant's zone)."""

    from_: str | None = None
    to: str | None = None
    channel: str | None = None
    operator_id: str | None = None


class _Prepared(Record):
    period: Period
    params: dict[str, Any]
    now: datetime


def _date(raw: str, name: str) -> date:
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(f"Invalid field: {name} (a date, YYYY-MM-DD).") from None


def _prepare(session: Session, query: ReportQuery, now: datetime | None) -> _Prepared:
    """The caller must be an owner; the period is read in the tenant's zone and checked; the
    operator filter must name an operator of the caller's tenant (else 404)."""
    if session.role != "owner":
        raise Forbidden("Reports are for the shop's owners.")
    if query.channel is not None and query.channel not in CHANNELS:
        raise InvalidRequest("Invalid field: channel (telegram, vk or max).")
    filter_operator = parse_uuid(query.operator_id, "operator id") if query.operator_id is not None else None
    first = _date(query.from_, "from") if query.from_ is not None else None
    last = _date(query.to, "to") if query.to is not None else None

    ctx = db.run(lambda conn: sql.context(conn, session.tenant_id, filter_operator))
    if ctx is None or not ctx.operator_found:
        raise NotFound("No such operator.")

    tz = zone(ctx.time_zone)
    now = now or datetime.now(UTC)
    today = now.astimezone(tz).date()
    last = last or (today if first is None else min(first + timedelta(days=DEFAULT_DAYS - 1), today))
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidRequest("Invalid period: from is after to.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"Invalid period: at most {MAX_DAYS} days, counting both ends.")

    target_s = get_settings().first_response_target_s
    params = {
        "tenant_id": session.tenant_id,
        "from_ts": datetime.combine(first, time(), tz),
        "to_ts": datetime.combine(last + timedelta(days=1), time(), tz),
        "from_date": first,
        "to_date": last,
        "channel": query.channel,
        "filter_operator": filter_operator,
        "target_s": target_s,
    }
    period = Period.model_validate(
        {"from": first, "to": last, "time_zone": ctx.time_zone, "first_response_target_s": target_s}
    )
    return _Prepared(period, params, now)


def summary(session: Session, query: ReportQuery, now: datetime | None = None) -> ReportSummary:
    """GET .../reports/summary (``now``: the clock, for tests); three round trips."""
    prepared = _prepare(session, query, now)

    row = db.run(lambda conn: sql.summary(conn, prepared.params))
    waiting = db.run(lambda conn: sql.waiting(conn, prepared.params))
    return _summary(prepared, row, waiting)


def _seconds(since: datetime, now: datetime) -> int:
    return max(int((now - since).total_seconds()), 0)


def _summary(prepared: _Prepared, row: sql.SummaryRow, waiting: list[sql.WaitingRow]) -> ReportSummary:
    heatmap = [[0] * 24 for _ in range(7)]
    for cell in row.heatmap:
        heatmap[cell["weekday"]][cell["hour"]] = cell["count"]
    by_channel = dict.fromkeys(CHANNELS, 0) | (row.by_channel or {})
    return ReportSummary(
        period=prepared.period,
        first_response=FirstResponse.model_validate(row.first_response),
        reply=Reply.model_validate(row.reply),
        waiting_now=WaitingNow(
            count=waiting[0].total if waiting else 0,
            oldest_wait_s=_seconds(waiting[0].waiting_since, prepared.now) if waiting else None,
            appeals=[
                WaitingAppeal(
                    id=w.id,
                    client_name=w.client_name,
                    channel=w.channel,
                    waiting_since=w.waiting_since,
                    wait_s=_seconds(w.waiting_since, prepared.now),
                )
                for w in waiting
            ],
        ),
        lost=row.lost,
        volume=Volume.model_validate({"by_day": row.by_day, "heatmap": heatmap, "by_channel": by_channel}),
        operators=[OperatorFigures.model_validate(o) for o in row.operators or []],
    )


def export_csv(session: Session, query: ReportQuery, now: datetime | None = None) -> str:
    """GET .../reports/appeals.csv: one row per opening of the period, oldest first, read from the
    database in batches through a server-side cursor and written as it comes."""
    prepared = _prepare(session, query, now)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def write(conn: db.Connection) -> None:
        for r in sql.each_row(conn, prepared.params):
            writer.writerow(
                (
                    r.appeal_id,
                    r.opened_at.isoformat(),
                    r.channel,
                    _cell(r.client),
                    _cell(r.operator),
                    _blank(r.first_response_s),
                    _blank(r.first_response_business_s),
                    r.messages_in,
                    r.messages_out,
                    r.ended_at.isoformat() if r.ended_at else "",
                    r.outcome,
                )
            )

    db.run(write, transaction=True)
    return out.getvalue()


def _blank(value: int | None) -> str | int:
    return "" if value is None else value


def _cell(text: str | None) -> str:
    """A name as a spreadsheet will not run it as a formula (CSV injection)."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text
