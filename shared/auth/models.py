"""Models of signing in and out, FCM registration and session status."""

import json
from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from shared.core.models import Model, NonBlank, Request, Success
from shared.core.settings import OperatorRole

DEVICE_INFO_MAX_BYTES = 4096


class DeviceInfo(Model):
    """What the app tells about the device; every field optional, unknown keys kept."""

    model_config = ConfigDict(extra="allow")

    device_id: str | None = None
    device_model: str | None = None
    manufacturer: str | None = None
    os_version: str | None = None
    app_version: str | None = None

    @model_validator(mode="after")
    def _at_most_4_kib(self) -> Self:
        try:  # NaN, Infinity and 1e400 (read as infinity) are JSON's to Python, not JSONB's
            size = len(json.dumps(self.model_dump(), ensure_ascii=False, allow_nan=False).encode())
        except ValueError:
            raise ValueError("device_info may not hold NaN or infinite numbers") from None
        if size > DEVICE_INFO_MAX_BYTES:
            raise ValueError(f"device_info is {size} bytes; at most {DEVICE_INFO_MAX_BYTES} are allowed")
        return self


class LoginRequest(Request):
    login: Annotated[NonBlank, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_info: DeviceInfo | None = None


class RegisterFcmRequest(Request):
    session_token: str | None = None
    fcm_token: Annotated[NonBlank, StringConstraints(max_length=4096)]
    device_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    device_info: DeviceInfo | None = None


class OperatorOut(Model):
    id: UUID
    tenant_id: UUID
    name: str
    login: str
    role: OperatorRole = Field(description="`owner` (sees the reports) or `operator`")


class LoginResponse(Success):
    session_token: str
    device_type: Literal["mobile", "desktop"]
    expires_at: datetime
    operator: OperatorOut


class SessionOut(Model):
    id: UUID
    device_type: Literal["mobile", "desktop"]
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime


class SessionStatusResponse(Success):
    session: SessionOut
    operator: OperatorOut
