"""Models of appeals as the list and the changes answer with them (list, take, reject, normalize,
close...), and ``appeal_out``, the one way from a row to ``AppealOut``. Messages and answers:
``shared.appeals.message_models``; the detail: ``shared.appeals.detail_models``."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from shared.appeals.sql import AppealRow
from shared.appeals.statuses import AppealStatus
from shared.core.models import Model, Request, Success

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


class ClientOut(Model):
    id: UUID
    name: str | None
    phone: str | None
    reachable: bool = Field(description="false once the client blocked the shop's bot; true again when they write")
    phone_verified: bool = Field(description="the phone came from the client's own shared Telegram contact")


class AppealOut(Model):
    id: UUID
    status: AppealStatus
    channel: str
    created_at: datetime
    updated_at: datetime
    assigned_operator_id: UUID | None
    preview: str
    closed_at: datetime | None
    last_message_at: datetime | None
    last_message_preview: str | None
    unread_count: int = Field(description="the client's messages after the caller's read mark")
    client: ClientOut


def appeal_fields(row: AppealRow) -> dict[str, Any]:
    """The row as ``AppealOut`` reads it: its client as an object (the detail adds to both)."""
    return {
        "id": row.id,
        "status": row.status,
        "channel": row.channel,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "assigned_operator_id": row.assigned_operator_id,
        "preview": row.preview,
        "closed_at": row.closed_at,
        "last_message_at": row.last_message_at,
        "last_message_preview": row.last_message_preview,
        "unread_count": row.unread_count,
        "client": {
            "id": row.client_id,
            "name": row.client_name,
            "phone": row.client_phone,
            "reachable": row.client_reachable,
            "phone_verified": row.client_phone_verified,
        },
    }


def appeal_out(row: AppealRow) -> AppealOut:
    # One validation from a plain dict: the cheapest way to the model (the list's hot path).
    return AppealOut.model_validate(appeal_fields(row))


class AppealsPage(Success):
    appeals: list[AppealOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class AppealResponse(Success):
    appeal: AppealOut


class RejectRequest(Request):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


Field200 = Annotated[str, StringConstraints(max_length=200)]


class NormalizeRequest(Request):
    """Any of the fields; a field sent as null (or blank) is cleared, a field not sent is left as it is."""

    client_name: Field200 | None = None
    phone: Annotated[str, StringConstraints(max_length=64)] | None = None
    car_model: Field200 | None = None
    battery_model: Field200 | None = None
    summary: Annotated[str, StringConstraints(max_length=2000)] | None = None


class Normalized(Model):
    model_config = ConfigDict(extra="allow")

    client_name: str | None = None
    phone: str | None = Field(None, description="E.164")
    car_model: str | None = None
    battery_model: str | None = None
    summary: str | None = None


class NormalizeResponse(Success):
    normalized: Normalized
