"""The statuses and kinds of appeals, messages and attachments, and the labels lists show for the
kinds: plain types and constants, apart from the pydantic models so that the repositories and the
Telegram webhook use them without defining the appeal models (~5 ms of cold start)."""

from __future__ import annotations

from typing import Literal

AppealStatus = Literal["new", "in_progress", "closed", "rejected"]
DeliveryStatus = Literal["received", "pending", "sent", "failed", "internal"]

OPEN_STATUSES: tuple[AppealStatus, ...] = ("new", "in_progress")
ALL_STATUSES: tuple[AppealStatus, ...] = ("new", "in_progress", "closed", "rejected")

MessageKind = Literal[
    "text",
    "promo",
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "sticker",
    "location",
    "contact",
]
AttachmentStatus = Literal["pending", "ready", "too_large", "failed"]
# What lists show as the last message of a file, location or contact without a caption.
KIND_LABELS: dict[str, str] = {
    "photo": "[photo]",
    "document": "[document]",
    "voice": "[voice message]",
    "audio": "[audio]",
    "video": "[video]",
    "video_note": "[video message]",
    "animation": "[animation]",
    "sticker": "[sticker]",
    "location": "[location]",
    "contact": "[contact]",
}
