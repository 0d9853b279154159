"""Models of appeals (list, detail, take, reject, normalize, response, promo)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from shared.models.common import Model, Request, Success
from shared.models.statuses import AppealStatus, AttachmentStatus, DeliveryStatus, MessageKind

StatusFilter = Literal["new", "in_progress", "closed", "rejected", "all"]
AssignedFilter = Literal["me", "unassigned", "any"]

ClientMessageId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


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


class ClientDetailOut(ClientOut):
    telegram_id: int | None


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


class AttachmentOut(Model):
    id: UUID
    kind: str = Field(description="the kind of the message it came with: photo, document, voice, ...")
    mime_type: str | None
    file_name: str | None
    size: int | None
    status: AttachmentStatus
    url: str | None = Field(None, description="when ready: works without a session header for >= 5 minutes")


class LocationOut(Model):
    latitude: float
    longitude: float
    title: str | None


class ContactOut(Model):
    phone: str | None = Field(description="E.164 when it parses with the tenant's region, else as sent")
    name: str | None
    own: bool = Field(description="the client shared their own contact")


class MessageOut(Model):
    id: UUID
    direction: Literal["in", "out", "note"] = Field(description="note: between operators, never sent")
    kind: MessageKind
    text: str
    created_at: datetime
    operator_id: UUID | None
    delivery_status: DeliveryStatus
    attachments: list[AttachmentOut] = []
    location: LocationOut | None = None
    contact: ContactOut | None = None
    edited_at: datetime | None = None


class AppealDetailOut(AppealOut):
    client: ClientDetailOut
    normalized: dict[str, Any] | None
    reject_reason: str | None
    resolution: str | None
    messages: list[MessageOut]


class AppealsPage(Success):
    appeals: list[AppealOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class AppealDetailResponse(Success):
    appeal: AppealDetailOut


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


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


CAPTION_CHARS = 1024  # Telegram's caption limit: the text of an answer with attachments


class ResponseRequest(Request):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4096), AfterValidator(_not_blank)] | None = Field(
        None, description="required without attachment_ids; with them it is the caption (at most 1024 characters)"
    )
    client_message_id: ClientMessageId | None = None
    attachment_ids: list[UUID] = Field(
        default_factory=list, max_length=10, description="uploads (POST /webhook/api/operator/uploads) to send"
    )

    @model_validator(mode="after")
    def _text_or_files(self) -> ResponseRequest:
        if not self.attachment_ids and self.text is None:
            raise ValueError("text is required without attachment_ids")
        if self.attachment_ids and self.text is not None and len(self.text) > CAPTION_CHARS:
            raise ValueError("text is at most 1024 characters with attachment_ids")
        if len(set(self.attachment_ids)) != len(self.attachment_ids):
            raise ValueError("attachment_ids repeat an id")
        return self


class PromoRequest(Request):
    promo_id: UUID
    client_message_id: ClientMessageId | None = None


class MessageResponse(Success):
    appeal_id: UUID
    message: MessageOut
