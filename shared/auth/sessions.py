"""The session core every operator endpoint calls: tokens, validation, opening and ending sessions.

A token is 32 random bytes, URL-safe; only its SHA-256 is stored. Validating a live token is one
read-only round trip (see ``repo.sessions.VALIDATE``); a dead token costs a second one that tells
why it is dead, and the refresh of last_active_at is a second statement sent at most once per
``SESSION_TOUCH_SECONDS``.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import psycopg
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from shared.auth import sessions_sql as repo
from shared.core import db
from shared.core.errors import AccountDisabled, MissingToken, SessionError, SessionReason
from shared.core.observability import logger, mask
from shared.core.records import Record
from shared.core.settings import DeviceType, OperatorRole, get_settings
from shared.core.sql import live_session_params

T = TypeVar("T")

_RACE_ATTEMPTS = 5

_REASON_TO_ERROR: dict[str, SessionReason] = {
    "replaced": "replaced",
    "expired": "expired",
    "logout": "revoked",
    "revoked": "revoked",
    "password_changed": "revoked",
}


class Session(Record):
    """The caller's live session, as every operator endpoint sees it (immutable, built per request)."""

    id: UUID
    operator_id: UUID
    tenant_id: UUID
    device_type: DeviceType
    operator_name: str
    login: str
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime  # the earlier of the idle and the absolute limit
    role: OperatorRole = "operator"  # owners also see the reports


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_from_event(event: APIGatewayProxyEventV2) -> str | None:
    """The session token, from wherever the app put it: Authorization: Bearer, x-session-token,
    body ``session_token``, query ``session_token`` (checked in that order)."""
    headers = {k.lower(): v for k, v in (event.raw_event.get("headers") or {}).items()}
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    token = (
        (credentials.strip() if scheme.lower() == "bearer" else "")
        or headers.get("x-session-token", "").strip()
        or _body_field(event, "session_token")
        or (event.query_string_parameters or {}).get("session_token", "").strip()
    )
    mask([token])
    return token or None


def _body_field(event: APIGatewayProxyEventV2, name: str) -> str | None:
    try:
        body = event.json_body if event.body else None
    except ValueError:
        return None
    value = body.get(name) if isinstance(body, dict) else None
    return value.strip() if isinstance(value, str) else None


def authenticate(event: APIGatewayProxyEventV2) -> Session:
    """The caller's live session, or the typed error that says why there is none."""
    token = token_from_event(event)
    if token is None:
        raise MissingToken()
    return validate(token)


def validate(token: str) -> Session:
    settings = get_settings()
    token_hash = hash_token(token)
    live = live_session_params(settings)
    row = db.run(lambda conn: repo.validate(conn, token_hash, **live))
    if row is None:  # not live: a second statement says why (a dead token's 401 only)
        reason = db.run(lambda conn: repo.end_reason(conn, token_hash))
        if reason == "disabled":
            raise AccountDisabled()
        raise SessionError(_REASON_TO_ERROR.get(reason or "", "invalid"))
    if not row.is_active:
        raise AccountDisabled()
    idle = settings.idle_lifetime(row.device_type)
    if not row.live:
        db.run(lambda conn: repo.end_by_token(conn, token_hash, "expired"))
        raise SessionError("expired")
    last_active_at = row.last_active_at
    touch = timedelta(seconds=settings.session_touch_seconds)
    if last_active_at < row.now - touch:  # due: a second statement, once per interval
        session_id = row.id
        touched = db.run(lambda conn: repo.touch(conn, session_id, touch))
        if touched is not None:
            last_active_at = touched
    return Session(
        id=row.id,
        operator_id=row.operator_id,
        tenant_id=row.tenant_id,
        device_type=row.device_type,
        operator_name=row.operator_name,
        login=row.login,
        created_at=row.created_at,
        last_active_at=last_active_at,
        expires_at=min(row.expires_at, last_active_at + idle),
        role=row.role,
    )


def end(token: str, reason: str) -> bool:
    """End the session holding ``token``; False when there was none (already ended)."""
    return db.run(lambda conn: repo.end_by_token(conn, hash_token(token), reason))


def logout(token: str) -> None:
    ended = end(token, "logout")
    logger.info("logout", extra={"ended": ended})


def run_retrying_races(work: Callable[[db.Connection], T]) -> T:
    """Run ``work`` in a transaction; when a concurrent request wins a race (on a unique constraint,
    or a deadlock between two FCM registrations swapping tokens), run it again on the new state.
    The advisory locks in repo.sessions make this rare; the retry keeps it from ever being a 500."""
    for attempt in range(1, _RACE_ATTEMPTS + 1):
        try:
            return db.run(work, transaction=True)
        except (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected):
            if attempt == _RACE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
