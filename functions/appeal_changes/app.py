"""GET /webhook/api/operator/changes — the appeals created or changed since the console last asked."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.appeals import changes
from shared.appeals.changes_models import ChangesResponse
from shared.http.resolver import JSON_UTF8, create_app, lambda_entry

app = create_app()


@app.get(
    "/webhook/api/operator/changes",
    summary="Appeals changed since a cursor",
    description="The ids of the caller's tenant's appeals created or changed (a message, a status, a holder) "
    "after `since`, oldest change first, and the cursor to pass next time. Without `since`: no ids, just a "
    "fresh cursor. A malformed cursor is 400. The answer carries an `ETag`; a request whose `If-None-Match` "
    "equals it gets 304 with no body. An id may occasionally be reported twice, never skipped.",
    tags=["appeals"],
    responses={
        200: {"description": "What changed", "content": {"application/json": {"model": ChangesResponse}}},
        304: {"description": "Nothing changed since the answer with this ETag."},
    },
)
def appeal_changes(since: Annotated[str | None, Query(max_length=64)] = None) -> Response[ChangesResponse]:
    result = changes.changed_since(app.session, since)
    headers = {"ETag": result.etag, "Cache-Control": "no-cache"}
    return Response(status_code=200, content_type=JSON_UTF8, body=result.body, headers=headers)


lambda_handler = changes.not_modified_when_unchanged(lambda_entry(app))
