"""GET /webhook/api/operator/appeals — the tenant's appeals, newest first, cursor-paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared import appeals, sessions
from shared.api import create_app, lambda_entry
from shared.models.appeals import AppealsPage, AppealsQuery, AssignedFilter, StatusFilter

app = create_app()


@app.get(
    "/webhook/api/operator/appeals",
    summary="List appeals",
    description="Newest first. `status` defaults to new and in_progress; `cursor` is the previous page's "
    "`next_cursor` (a malformed cursor is 400). Pages never repeat or skip an appeal when new ones arrive.",
    tags=["appeals"],
)
def list_appeals(
    status: Annotated[StatusFilter | None, Query()] = None,
    assigned: Annotated[AssignedFilter, Query()] = "any",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> AppealsPage:
    session = sessions.authenticate(app.current_event)
    query = AppealsQuery(status=status, assigned=assigned, limit=limit, cursor=cursor)
    return appeals.list_appeals(session, query)


lambda_handler = lambda_entry(app)
