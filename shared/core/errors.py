"""The typed errors every layer raises; the resolver turns each into API.md's envelope."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

SessionReason = Literal["invalid", "replaced", "expired", "revoked"]


class ApiError(Exception):
    code = "internal_error"
    status = 500
    message = "Something went wrong on our side."

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.headers = headers or {}


class InvalidRequest(ApiError):
    code, status, message = "invalid_request", 400, "The request is not valid."


def parse_uuid(raw: str, what: str) -> UUID:
    """An id from a path: a malformed one is 400 ``invalid_request``, never a 404 or a 500."""
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidRequest(f"The {what} is not a valid UUID.") from None


class MissingToken(ApiError):
    code, status, message = "missing_token", 401, "No session token was sent."

    def __init__(self, status: int = 401) -> None:
        super().__init__()
        self.status = status


class InvalidCredentials(ApiError):
    code, status, message = "invalid_credentials", 401, "Wrong login or password."


_SESSION_MESSAGES: dict[SessionReason, str] = {
    "invalid": "The session is not valid. Please sign in.",
    "replaced": "You signed in on another device.",
    "expired": "The session has expired. Please sign in again.",
    "revoked": "The session was ended. Please sign in again.",
}


class SessionError(ApiError):
    status = 401

    def __init__(self, reason: SessionReason) -> None:
        self.reason = reason
        self.code = f"session_{reason}"
        super().__init__(_SESSION_MESSAGES[reason])


class Unauthorized(ApiError):
    """A caller that is not an operator (the Telegram webhook) failed to prove who it is."""

    code, status, message = "unauthorized", 401, "Not authorized."


class AccountDisabled(ApiError):
    code, status, message = "account_disabled", 403, "This account is disabled."


class Forbidden(ApiError):
    """The caller's role does not allow it (an owner-only route)."""

    code, status, message = "forbidden", 403, "This is for the shop's owners."


class NotFound(ApiError):
    code, status, message = "not_found", 404, "Not found."


class MethodNotAllowed(ApiError):
    code, status, message = "method_not_allowed", 405, "This method is not allowed on this path."


class Conflict(ApiError):
    status = 409

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ClientUnreachable(Conflict):
    """The client blocked the shop's bot (Telegram answered 403): nothing can reach them until
    they write again or unblock it."""

    def __init__(self) -> None:
        super().__init__("client_unreachable", "The client has blocked the shop's bot or cannot be reached.")


class PayloadTooLarge(ApiError):
    code, status, message = "payload_too_large", 413, "The request body is too large."


class UnsupportedMediaType(ApiError):
    code, status, message = "unsupported_media_type", 415, "Send the body as application/json."


class RateLimited(ApiError):
    code, status, message = "rate_limited", 429, "Too many attempts. Try again later."

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = retry_after_s


class ChannelUnavailable(ApiError):
    code, status, message = "channel_unavailable", 502, "The client's messaging channel is unavailable."


def channel_rate_limited(retry_after_s: int, platform: str = "Telegram") -> ChannelUnavailable:
    """The platform rate-limits the shop for longer than a call may wait: 502 with Retry-After."""
    seconds = max(1, retry_after_s)
    return ChannelUnavailable(
        f"{platform} is rate-limiting the shop's bot; retry in {seconds} s.", headers={"Retry-After": str(seconds)}
    )


class ServiceUnavailable(ApiError):
    code, status, message = "service_unavailable", 503, "The service is temporarily unavailable. Retry shortly."

    def __init__(self, message: str | None = None, *, retry_after_s: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})
