"""Models of the operator's own sessions: list, revoke, password change."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import StringConstraints

from shared.core.models import Model, Request, Success

MIN_PASSWORD_LENGTH = 10


class SessionListItem(Model):
    id: UUID
    device_type: Literal["mobile", "desktop"]
    device_info: dict[str, Any] | None
    created_at: datetime
    last_active_at: datetime
    has_push: bool
    current: bool


class SessionListResponse(Success):
    sessions: list[SessionListItem]


class RevokedResponse(Success):
    revoked: int


class PasswordChangeRequest(Request):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]
