"""Models of one appeal's detail: the appeal, what its channel can do, its client (their channel,
their id there, the other appeals of the tenant's clients with the same phone), and its messages."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field, computed_field

from shared.appeals.message_models import MessageOut
from shared.appeals.models import AppealOut, ClientOut
from shared.appeals.statuses import AppealStatus
from shared.channels import capabilities
from shared.core.models import Model, Success


class OtherAppealOut(Model):
    id: UUID
    channel: str
    status: AppealStatus
    created_at: datetime


class ClientDetailOut(ClientOut):
    telegram_id: int | None = Field(description="the client's Telegram user id (Telegram clients only)")
    channel: str = Field(description="where the client writes from: telegram, vk or max")
    external_id: str | None = Field(description="the client's user id on their channel")
    other_appeals: list[OtherAppealOut] = Field(
        description="appeals of the tenant's other clients with the same phone (any channel), newest first"
    )


class ChannelCapabilitiesOut(Model):
    """What the appeal's channel can do; an answer beyond it is refused with 409 `channel_cannot`."""

    edits: bool = Field(description="the client's edits of their messages reach us")
    max_text: int = Field(description="characters of one text answer")
    max_caption: int = Field(description="characters of the text of an answer with files (a caption)")
    send_kinds: list[str] = Field(description="the kinds of file an answer may carry (photo, document)")
    max_file_bytes: int = Field(description="bytes of one file an answer carries")


class AppealDetailOut(AppealOut):
    client: ClientDetailOut
    normalized: dict[str, Any] | None
    reject_reason: str | None
    resolution: str | None
    messages: list[MessageOut]

    @computed_field(description="what the appeal's channel can do, as the channel declares it")  # type: ignore[prop-decorator]
    @property
    def channel_capabilities(self) -> ChannelCapabilitiesOut:
        declared = capabilities.of(self.channel)
        return ChannelCapabilitiesOut(
            edits=declared.edits,
            max_text=declared.max_text,
            max_caption=declared.max_caption,
            send_kinds=sorted(declared.send_kinds),
            max_file_bytes=declared.max_file_bytes,
        )


class AppealDetailResponse(Success):
    appeal: AppealDetailOut
