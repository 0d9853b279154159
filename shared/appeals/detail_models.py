"""Models of one appeal's detail: the appeal, its client with the Telegram id, and its messages."""

from __future__ import annotations

from typing import Any

from shared.appeals.message_models import MessageOut
from shared.appeals.models import AppealOut, ClientOut
from shared.core.models import Success


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
