"""What an operator can see and do about their own sessions: list them, sign one out, or sign
out all the others."""

from __future__ import annotations

from uuid import UUID

from shared.auth import sessions_sql as repo
from shared.auth.session_models import SessionListItem
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import NotFound, parse_uuid
from shared.core.observability import logger
from shared.core.settings import get_settings
from shared.core.sql import live_session_params


def list_sessions(session: Session) -> list[SessionListItem]:
    return list_for_operator(session.operator_id, session.tenant_id, current_id=session.id)


def list_for_operator(operator_id: UUID, tenant_id: UUID, current_id: UUID | None = None) -> list[SessionListItem]:
    """The operator's live sessions (``current`` marks ``current_id``); the admin tool lists them too."""
    live = live_session_params(get_settings())
    rows = db.run(lambda conn: repo.list_for_operator(conn, operator_id, tenant_id, current_id, **live))
    return [SessionListItem.model_validate(row, from_attributes=True) for row in rows]


def revoke(session: Session, session_id: str) -> None:
    """End one of the caller's own sessions (the current one too: that is a logout)."""
    target = parse_uuid(session_id, "session id")
    ended = db.run(lambda conn: repo.end_operators_sessions(conn, session.operator_id, "revoked", only_id=target))
    if not ended:
        raise NotFound("No such session.")
    logger.info("session revoked", extra={"session_id": str(target)})


def revoke_others(session: Session) -> int:
    ended = db.run(lambda conn: repo.end_operators_sessions(conn, session.operator_id, "revoked", except_id=session.id))
    logger.info("other sessions revoked", extra={"count": ended})
    return ended


def revoke_all(operator_id: UUID) -> int:
    """End every session of the operator (the admin tool's revoke-sessions); returns how many."""
    ended = db.run(lambda conn: repo.end_operators_sessions(conn, operator_id, "revoked"))
    logger.info("all sessions revoked", extra={"operator_id": str(operator_id), "count": ended})
    return ended
