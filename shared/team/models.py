"""Models of the lists the apps need: promos, colleagues, quick replies."""

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from shared.core.models import Model, Request, Success, Text4096

Title100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


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
