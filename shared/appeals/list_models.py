"""The appeal list's query and page (``GET /webhook/api/operator/appeals``)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.appeals.models import AppealOut
from shared.core.models import Model, Success

StatusFilter = Literal["new", "in_progress", "closed", "rejected", "all"]
AssignedFilter = Literal["me", "unassigned", "any"]


SortOrder = Literal["created", "activity"]
SearchText = Annotated[str, StringConstraints(min_length=2, max_length=100)]


class AppealsQuery(Model):
    status: StatusFilter | None = None
    assigned: AssignedFilter = "any"
    limit: int = Field(50, ge=1, le=100)
    cursor: str | None = None
    q: SearchText | None = None
    sort: SortOrder = "created"


class AppealsPage(Success):
    appeals: list[AppealOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")
