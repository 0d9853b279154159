"""What an operator can see and do about their own sessions: list them, sign one or all the
others out, change the password (which signs out every other session)."""

from __future__ import annotations

from shared import db, passwords, throttle
from shared.errors import InvalidCredentials, InvalidRequest, NotFound, parse_uuid
from shared.models.sessions import PasswordChangeRequest, SessionListItem
from shared.observability import logger, mask
from shared.repo import operators
from shared.repo import sessions as repo
from shared.sessions import Session
from shared.settings import get_settings


def list_sessions(session: Session) -> list[SessionListItem]:
    settings = get_settings()
    rows = db.run(
        lambda conn: repo.list_for_operator(
            conn,
            session.operator_id,
            session.tenant_id,
            session.id,
            idle_mobile=settings.idle_lifetime("mobile"),
            idle_desktop=settings.idle_lifetime("desktop"),
        )
    )
    return [SessionListItem.model_validate(row) for row in rows]


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


def change_password(session: Session, request: PasswordChangeRequest, source_ip: str) -> int:
    """Check the current password (a wrong one counts toward login throttling), refuse a weak new
    one, store it and end every other session of the operator; returns how many were ended."""
    mask([request.current_password, request.new_password])
    if request.new_password.strip().lower() in (session.login.lower(), request.current_password.lower()):
        raise InvalidRequest("Invalid field: new_password must differ from the login and the current password.")
    throttle.check(session.login, source_ip)
    operator = db.run(lambda conn: operators.find_by_id(conn, session.operator_id, session.tenant_id))
    if operator is None or not passwords.verify(operator["password_hash"], request.current_password).ok:
        throttle.record(session.login, source_ip, succeeded=False)
        raise InvalidCredentials("The current password is wrong.")
    new_hash = passwords.hash_password(request.new_password)

    def store(conn: db.Connection) -> int:
        operators.change_password(conn, session.operator_id, new_hash)
        return repo.end_operators_sessions(conn, session.operator_id, "password_changed", except_id=session.id)

    ended = db.run(store, transaction=True)
    logger.info("password changed", extra={"operator_id": str(session.operator_id), "sessions_ended": ended})
    return ended
