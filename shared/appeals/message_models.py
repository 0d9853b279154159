"""Models of messages (with their attachments, locations, contacts) and of the calls that answer
with one: response, promo, note."""

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from shared.appeals.statuses import AttachmentStatus, DeliveryStatus, MessageKind
from shared.core.models import Model, Request, Success, Text4096

ClientMessageId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


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


CAPTION_CHARS = 1024  # Telegram's caption limit: the text of an answer with attachments


class ResponseRequest(Request):
    text: Text4096 | None = Field(
        None, description="required without attachment_ids; with them it is the caption (at most 1024 characters)"
    )
    client_message_id: ClientMessageId | None = None
    attachment_ids: list[UUID] = Field(
        default_factory=list, max_length=10, description="uploads (POST /webhook/api/operator/uploads) to send"
    )

    @model_validator(mode="after")
    def _text_or_files(self) -> Self:
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
