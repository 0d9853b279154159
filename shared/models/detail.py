"""Models of one appeal's detail: the appeal, its client with the Telegram id, and its messages."""

from __future__ import annotations

from typing import Any

from shared.models.appeals import AppealOut, ClientOut
from shared.models.common import Success
from shared.models.messages import MessageOut


class ClientDetailOut(ClientOut):
    telegram_id: int | None


class AppealDetailOut(AppealOut):
    client: ClientDetailOut
    normalized: dict[str, Any] | None
    reject_reason: str | None
    resolution: str | None
    messages: list[MessageOut]


class AppealDetailResponse(Success):
    appeal: AppealDetailOut
