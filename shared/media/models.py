"""Models of operator uploads (files an answer can carry as ``attachment_ids``)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints

from shared.core.models import Model, Request, Success

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _plain_name(value: str) -> str:
    if any(ord(ch) < 32 or ch in "/\\" for ch in value) or value in (".", ".."):
        raise ValueError("a file name without folders or control characters")
    return value


class UploadRequest(Request):
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_plain_name)]
    mime_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=127)]
    size: int = Field(ge=1, le=MAX_UPLOAD_BYTES, description="bytes; at most 20 MB")


class UploadOut(Model):
    id: UUID
    url: str = Field(description="PUT the file's bytes here (S3 presigned PUT in AWS, the local store under make run)")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="send these headers with the PUT")
    expires_at: datetime


class UploadResponse(Success):
    upload: UploadOut
