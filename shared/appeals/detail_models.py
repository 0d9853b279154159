"""Models of one appeal's detail: the appeal, its client (their channel, their id there, the other
appeals of the tenant's clients with the same phone), and its messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from shared.appeals.message_models import MessageOut
from shared.appeals.models import AppealOut, ClientOut
from shared.appeals.statuses import AppealStatus
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


class AppealDetailOut(AppealOut):
    client: ClientDetailOut
    normalized: dict[str, Any] | None
    reject_reason: str | None
    resolution: str | None
    messages: list[MessageOut]


class AppealDetailResponse(Success):
    appeal: AppealDetailOut
