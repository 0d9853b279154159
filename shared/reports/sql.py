"""The report queries, over what sql/0017_reports.sql's triggers write: appeal_openings (one row
per opening) and appeal_events, each read as one index range of the calling tenant's period (so
the time grows with the tenant's period, not with other tenants). Every query filters by the
caller's tenant_id."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import class_row

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import fetch_all, fetch_one


class ContextRow(Record):
    time_zone: str
    operator_found: bool


class SummaryRow(Record):
    first_response: dict[str, Any]
    reply: dict[str, Any]
    lost: int
    by_day: list[dict[str, Any]]
    heatmap: list[dict[str, Any]]
    by_channel: dict[str, int] | None
    operators: list[dict[str, Any]] | None


class WaitingRow(Record):
    id: UUID
    client_name: str | None
    channel: str
    waiting_since: datetime
    total: int  # how many wait, all of them


# The tenant's time zone, and whether the operator filter names one of its operators.
CONTEXT = """
SELECT t.time_zone,
       %(filter_operator)s::uuid IS NULL
       OR EXISTS (SELECT 1 FROM operators f WHERE f.id = %(filter_operator)s AND f.tenant_id = t.id)
           AS operator_found
  FROM tenants t
 WHERE t.id = %(tenant_id)s
"""

# The period's openings (one range of appeal_openings_period_idx), with what happened before the
# period's end: the first answer (who, when), the end (how, when, the holder then). ``who`` is whom
# the opening is attributed to: the first answerer, else whoever held it at the end; the operator
# filter keeps that operator's openings. Local time and business time come stored with the row.
# Operators' work and reply times read the period's events of those kinds: one range of the partial,
# covering appeal_events_period_idx, an index-only scan.
_OPENINGS = """
openings AS MATERIALIZED (
    SELECT o.appeal_id, o.opened_at AS opening_at, o.opened_local AS opening_local, o.channel,
           CASE WHEN o.first_answer_at < %(to_ts)s THEN o.first_answer_at END AS answered_at,
           CASE WHEN o.first_answer_at < %(to_ts)s THEN o.first_answer_by END AS answered_by,
           CASE WHEN o.first_answer_at < %(to_ts)s THEN o.first_response_s END AS first_response_s,
           CASE WHEN o.first_answer_at < %(to_ts)s THEN o.business_s END AS business_s,
           CASE WHEN o.ended_at < %(to_ts)s THEN o.ended_at END AS ended_at,
           CASE WHEN o.ended_at < %(to_ts)s THEN o.outcome END AS outcome,
           CASE WHEN o.first_answer_at < %(to_ts)s THEN o.first_answer_by
                WHEN o.ended_at < %(to_ts)s THEN o.ended_by END AS who
      FROM appeal_openings o
     WHERE o.tenant_id = %(tenant_id)s AND o.opened_at >= %(from_ts)s AND o.opened_at < %(to_ts)s
       AND (%(channel)s::text IS NULL OR o.channel = %(channel)s::text)
       AND (%(filter_operator)s::uuid IS NULL
            OR CASE WHEN o.first_answer_at < %(to_ts)s THEN o.first_answer_by
                    WHEN o.ended_at < %(to_ts)s THEN o.ended_by END = %(filter_operator)s)
)
"""

SUMMARY = """
WITH {openings}, fr AS (
    SELECT count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
           count(*) FILTER (WHERE answered_at IS NULL AND ended_at IS NULL) AS unanswered,
           count(*) FILTER (WHERE answered_at IS NULL AND ended_at IS NOT NULL) AS lost,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY first_response_s) AS wall,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY business_s) AS business,
           count(*) FILTER (WHERE first_response_s <= %(target_s)s) AS within,
           count(*) FILTER (WHERE business_s <= %(target_s)s) AS business_within
      FROM openings
), reply AS (
    -- the runs that started in the period and were answered in it (appeal_events_reply_idx)
    SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY round(EXTRACT(EPOCH FROM at - replied_to))) AS p,
           count(*) AS count
      FROM appeal_events
     WHERE tenant_id = %(tenant_id)s AND replied_to >= %(from_ts)s AND replied_to < %(to_ts)s
       AND at < %(to_ts)s AND kind = 'answered'
       AND (%(channel)s::text IS NULL OR channel = %(channel)s::text)
       AND (%(filter_operator)s::uuid IS NULL OR operator_id = %(filter_operator)s)
), hours AS MATERIALIZED (
    -- openings per local hour of the period: the day chart and the heatmap both sum these few rows
    SELECT date_trunc('hour', opening_local) AS hour, count(*) AS count FROM openings GROUP BY 1
), days AS (
    SELECT d::date AS date, COALESCE(sum(h.count), 0) AS count
      FROM generate_series(%(from_date)s::date, %(to_date)s::date, interval '1 day') d
      LEFT JOIN hours h ON h.hour::date = d::date
     GROUP BY d
), cells AS (
    SELECT EXTRACT(ISODOW FROM hour)::int - 1 AS weekday, EXTRACT(HOUR FROM hour)::int AS hour, sum(count) AS count
      FROM hours
     GROUP BY 1, 2
), acts AS (
    -- the work of the period, counted per kind and operator in one pass over the period's events
    SELECT kind, operator_id, from_operator_id, count(*) AS n
      FROM appeal_events
     WHERE tenant_id = %(tenant_id)s AND at >= %(from_ts)s AND at < %(to_ts)s
       AND kind IN ('taken', 'transferred', 'answered', 'closed', 'rejected')
       AND (%(channel)s::text IS NULL OR channel = %(channel)s::text)
     GROUP BY kind, operator_id, from_operator_id
), per_op AS (
    SELECT op,
           sum(n) FILTER (WHERE what IN ('taken', 'transferred')) AS taken,
           sum(n) FILTER (WHERE what = 'answered') AS answered,
           sum(n) FILTER (WHERE what = 'transferred_out') AS transferred_out,
           sum(n) FILTER (WHERE what = 'closed') AS closed,
           sum(n) FILTER (WHERE what = 'rejected') AS rejected
      FROM (SELECT operator_id AS op, kind AS what, n FROM acts WHERE operator_id IS NOT NULL
            UNION ALL
            SELECT from_operator_id, 'transferred_out', n FROM acts WHERE kind = 'transferred') a
     GROUP BY op
), fr_op AS (
    SELECT answered_by AS op, percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_s) AS median_s
      FROM openings WHERE answered_by IS NOT NULL GROUP BY answered_by
)
SELECT json_build_object(
           'median_s', fr.wall[1], 'p90_s', fr.wall[2],
           'within_target_pct', round(100.0 * fr.within / NULLIF(fr.answered, 0), 1),
           'business_median_s', fr.business[1], 'business_p90_s', fr.business[2],
           'business_within_target_pct', round(100.0 * fr.business_within / NULLIF(fr.answered, 0), 1),
           'answered', fr.answered, 'unanswered', fr.unanswered) AS first_response,
       json_build_object('median_s', reply.p[1], 'p90_s', reply.p[2], 'count', reply.count) AS reply,
       fr.lost,
       (SELECT json_agg(json_build_object('date', date, 'count', count) ORDER BY date) FROM days) AS by_day,
       (SELECT COALESCE(json_agg(json_build_object('weekday', weekday, 'hour', hour, 'count', count)), '[]')
          FROM cells) AS heatmap,
       (SELECT json_object_agg(channel, n) FROM (SELECT channel, count(*) AS n FROM openings GROUP BY channel) c)
           AS by_channel,
       (SELECT json_agg(json_build_object(
                   'operator_id', o.id, 'name', o.name, 'taken', COALESCE(p.taken, 0),
                   'answered', COALESCE(p.answered, 0), 'transferred_out', COALESCE(p.transferred_out, 0),
                   'closed', COALESCE(p.closed, 0), 'rejected', COALESCE(p.rejected, 0),
                   'first_response_median_s', f.median_s) ORDER BY o.name, o.id)
          FROM operators o
          LEFT JOIN per_op p ON p.op = o.id
          LEFT JOIN fr_op f ON f.op = o.id
         WHERE o.tenant_id = %(tenant_id)s AND (o.is_active OR p.op IS NOT NULL)
           AND (%(filter_operator)s::uuid IS NULL OR o.id = %(filter_operator)s)) AS operators
  FROM fr, reply
"""

# Open appeals whose latest event leaves the client waiting (their latest message, notes left out,
# is the client's): the tenant's open appeals, each with one probe of its latest event; the 20
# waiting longest, with how many wait in all, then their clients' names.
WAITING = """
SELECT w.id, c.name AS client_name, w.channel, w.waiting_since, w.total
  FROM (SELECT a.id, a.client_id, a.channel, e.waiting_since, count(*) OVER () AS total
          FROM appeals a
         CROSS JOIN LATERAL (SELECT l.waiting_since FROM appeal_events l
                              WHERE l.appeal_id = a.id ORDER BY l.id DESC LIMIT 1) e
         WHERE a.tenant_id = %(tenant_id)s AND a.status IN ('new', 'in_progress') AND e.waiting_since IS NOT NULL
           AND (%(channel)s::text IS NULL OR a.channel = %(channel)s::text)
           AND (%(filter_operator)s::uuid IS NULL OR a.assigned_operator_id = %(filter_operator)s)
         ORDER BY e.waiting_since, a.id
         LIMIT 20) w
  JOIN clients c ON c.id = w.client_id AND c.tenant_id = %(tenant_id)s
 ORDER BY w.waiting_since, w.id
"""

# One row per opening of the period, oldest first (the CSV export).
ROWS = """
WITH {openings}
SELECT o.appeal_id, o.opening_at AS opened_at, o.channel, c.name AS client, op.name AS operator,
       o.first_response_s, o.business_s AS first_response_business_s,
       (SELECT count(*) FROM appeal_messages m
         WHERE m.appeal_id = o.appeal_id AND m.tenant_id = %(tenant_id)s AND m.direction = 'in'
           AND m.created_at >= o.opening_at AND m.created_at < COALESCE(o.ended_at, %(to_ts)s)) AS messages_in,
       (SELECT count(*) FROM appeal_events e
         WHERE e.appeal_id = o.appeal_id AND e.tenant_id = %(tenant_id)s AND e.opening_at = o.opening_at
           AND e.kind = 'answered' AND e.at < %(to_ts)s) AS messages_out,
       o.ended_at, COALESCE(o.outcome, 'open') AS outcome
  FROM openings o
  JOIN appeals a ON a.id = o.appeal_id AND a.tenant_id = %(tenant_id)s
  JOIN clients c ON c.id = a.client_id AND c.tenant_id = a.tenant_id
  LEFT JOIN operators op ON op.id = o.who AND op.tenant_id = %(tenant_id)s
 ORDER BY o.opening_at, o.appeal_id
"""

SUMMARY = SUMMARY.format(openings=_OPENINGS.strip())
ROWS = ROWS.format(openings=_OPENINGS.strip())


class CsvRow(Record):
    appeal_id: UUID
    opened_at: datetime
    channel: str
    client: str | None
    operator: str | None
    first_response_s: int | None
    first_response_business_s: int | None
    messages_in: int
    messages_out: int
    ended_at: datetime | None
    outcome: str


def context(conn: Connection, tenant_id: UUID, filter_operator: UUID | None) -> ContextRow | None:
    return fetch_one(conn, ContextRow, CONTEXT, tenant_id=tenant_id, filter_operator=filter_operator)


def summary(conn: Connection, params: dict[str, Any]) -> SummaryRow:
    row = fetch_one(conn, SummaryRow, SUMMARY, **params)
    assert row is not None  # an aggregate always answers one row
    return row


def waiting(conn: Connection, params: dict[str, Any]) -> list[WaitingRow]:
    """The 20 waiting longest, each with how many wait in all."""
    names = ("tenant_id", "channel", "filter_operator")
    return fetch_all(conn, WaitingRow, WAITING, **{k: params[k] for k in names})


def each_row(conn: Connection, params: dict[str, Any], batch: int = 500) -> Iterator[CsvRow]:
    """The period's openings through a server-side cursor, ``batch`` rows per fetch (inside a
    transaction): an export of a year never sits in memory as rows."""
    with conn.cursor(name="report_rows", row_factory=class_row(CsvRow)) as cur:
        cur.itersize = batch
        cur.execute(ROWS, params)
        yield from cur
