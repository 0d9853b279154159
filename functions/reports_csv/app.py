"""GET /webhook/api/operator/reports/appeals.csv — one row per opening of a period (owners only)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.http.resolver import create_app, lambda_entry
from shared.reports import service
from shared.reports.models import ReportChannel

app = create_app()


@app.get(
    "/webhook/api/operator/reports/appeals.csv",
    summary="Report rows (CSV)",
    description="Owners only. The same parameters and errors as the summary. UTF-8 CSV with a header row, one "
    "row per opening of the period, oldest first: appeal_id, opened_at, channel, client, operator, "
    "first_response_s, first_response_business_s, messages_in, messages_out, ended_at, outcome "
    "(closed, rejected or open). Aggregated, the rows give the summary's first-response figures.",
    tags=["reports"],
    responses={200: {"description": "the rows", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def report_csv(
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: Annotated[str | None, Query(max_length=10)] = None,
    channel: Annotated[ReportChannel | None, Query()] = None,
    operator_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Response[str]:
    body = service.export_csv(app.session, service.ReportQuery(from_, to, channel, operator_id))
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": 'attachment; filename="appeals.csv"', "Cache-Control": "no-store"},
    )


lambda_handler = lambda_entry(app)
