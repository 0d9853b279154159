"""GET /webhook/api/operator/appeals — the tenant's appeals, newest (or most recently active) first,
cursor-paginated, optionally searched."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.appeals import listing as appeals
from shared.appeals.list_models import AppealsPage, AppealsQuery, AssignedFilter, SortOrder, StatusFilter
from shared.http.resolver import answered_as, create_app, lambda_entry, written

app = create_app()


@app.get(
    "/webhook/api/operator/appeals",
    summary="List appeals",
    description="Newest first (`sort=created`, the default) or by last message (`sort=activity`). `status` "
    "defaults to new and in_progress; `cursor` is the previous page's `next_cursor` (a malformed cursor, or one "
    "of the other sort, is 400). Pages never repeat or skip an appeal when new ones arrive. `q` (2-100 chars) "
    "finds appeals whose client's name, username or phone (digits however typed) or any message contains it, "
    "case-insensitively.",
    tags=["appeals"],
    responses=answered_as(AppealsPage),
)
def list_appeals(
    status: Annotated[StatusFilter | None, Query()] = None,
    assigned: Annotated[AssignedFilter, Query()] = "any",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    q: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    sort: Annotated[SortOrder, Query()] = "created",
) -> Response[str]:
    query = AppealsQuery(status=status, assigned=assigned, limit=limit, cursor=cursor, q=q, sort=sort)
    return written(appeals.list_appeals(app.session, query))


lambda_handler = lambda_entry(app)
