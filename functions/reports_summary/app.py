"""GET /webhook/api/operator/reports/summary — the owner's figures for a period (owners only)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.http.resolver import create_app, lambda_entry
from shared.reports import service
from shared.reports.models import ReportChannel, ReportSummary

app = create_app()


@app.get(
    "/webhook/api/operator/reports/summary",
    summary="Report summary",
    description="Owners only (403 `forbidden` otherwise). `from`/`to`: days in the tenant's time zone, both "
    "inclusive, at most 366 days (default: the last 30 days). First response per opening (from the client "
    "message that opened or reopened the appeal to the first response or promo; notes never count), in "
    "wall-clock and business time (the tenant's working hours); reply times per run of client messages; "
    "appeals waiting now; lost openings (ended without an answer); volume by day, weekday x hour and channel; "
    "per-operator work. `channel` and `operator_id` filter (another tenant's operator: 404).",
    tags=["reports"],
)
def report_summary(
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: Annotated[str | None, Query(max_length=10)] = None,
    channel: Annotated[ReportChannel | None, Query()] = None,
    operator_id: Annotated[str | None, Query(max_length=36)] = None,
) -> ReportSummary:
    return service.summary(app.session, service.ReportQuery(from_, to, channel, operator_id))


lambda_handler = lambda_entry(app)
