"""Models of the appeal lifecycle (close, release, transfer, notes, read); the lists the apps need
(promos, colleagues, quick replies): ``shared.team.models``."""

from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from shared.core.models import Request, Text4096


class CloseRequest(Request):
    resolution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class TransferRequest(Request):
    operator_id: UUID


class NoteRequest(Request):
    text: Text4096


class ReadRequest(Request):
    message_id: UUID | None = None
