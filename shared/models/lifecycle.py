"""Models of the appeal lifecycle (close, release, transfer, notes, read) and of the lists the
apps need (promos, colleagues, quick replies)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, StringConstraints

from shared.models.common import Model, Request, Success


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text4096 = Annotated[str, StringConstraints(min_length=1, max_length=4096), AfterValidator(_not_blank)]
Title100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CloseRequest(Request):
    resolution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class TransferRequest(Request):
    operator_id: UUID


class NoteRequest(Request):
    text: Text4096


class ReadRequest(Request):
    message_id: UUID | None = None


class PromoOut(Model):
    id: UUID
    title: str
    text: str


class PromosResponse(Success):
    promos: list[PromoOut]


class ColleagueOut(Model):
    id: UUID
    name: str
    login: str
    online: bool


class ColleaguesResponse(Success):
    colleagues: list[ColleagueOut]


class QuickReplyRequest(Request):
    title: Title100
    text: Text4096


class QuickReplyOut(Model):
    id: UUID
    title: str
    text: str


class QuickRepliesResponse(Success):
    quick_replies: list[QuickReplyOut]


class QuickReplyResponse(Success):
    quick_reply: QuickReplyOut
