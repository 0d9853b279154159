"""An appeal as the API answers with it (list, take, reject, normalize, close...), and
``appeal_out``, the one way from a row to ``AppealOut``. The list's query and page:
``shared.appeals.list_models``; take, reject and normalize: ``shared.appeals.triage_models``;
messages and answers: ``shared.appeals.message_models``; the detail: ``shared.appeals.detail_models``.
Apart so that each function defines only the models its answers use."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from shared.appeals.sql import AppealRow
from shared.appeals.statuses import AppealStatus
from shared.core.models import Model, Success


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


class AppealResponse(Success):
    appeal: AppealOut
