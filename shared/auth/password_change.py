"""An operator changes their own password: the current one checked (a wrong one counts toward
login throttling), a weak new one refused, every other session of the operator ended."""

from __future__ import annotations

from uuid import UUID

from shared.auth import operators_sql as operators
from shared.auth import passwords, throttle
from shared.auth import sessions_sql as repo
from shared.auth.session_models import PasswordChangeRequest
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import InvalidCredentials, InvalidRequest
from shared.core.observability import logger, mask


def change_password(session: Session, request: PasswordChangeRequest, source_ip: str) -> int:
    """Check the current password (a wrong one counts toward login throttling), refuse a weak new
    one, store it and end every other session of the operator; returns how many were ended."""
    mask([request.current_password, request.new_password])
    if request.new_password.strip().lower() in (session.login.lower(), request.current_password.lower()):
        raise InvalidRequest("Invalid field: new_password must differ from the login and the current password.")
    operator = db.run(lambda conn: operators.find_by_id(conn, session.operator_id, session.tenant_id))
    stored_hash = operator.password_hash if operator else None
    # The account's own login: the sign-in's key
    verdict = throttle.attempt(
        session.login, source_ip, lambda: passwords.verify(stored_hash, request.current_password)
    )
    if operator is None or not verdict.ok:
        raise InvalidCredentials("The current password is wrong.")
    ended = set_password(session.operator_id, request.new_password, keep_session_id=session.id)
    logger.info("password changed", extra={"operator_id": str(session.operator_id), "sessions_ended": ended})
    return ended


def set_password(operator_id: UUID, password: str, *, keep_session_id: UUID | None = None) -> int:
    """Store ``password`` (hashed) and end every session of the operator but ``keep_session_id``, in
    one transaction; returns how many ended. The admin tool's reset-password calls this too."""
    new_hash = passwords.hash_password(password)

    def store(conn: db.Connection) -> int:
        operators.change_password(conn, operator_id, new_hash)
        return repo.end_operators_sessions(conn, operator_id, "password_changed", except_id=keep_session_id)

    return db.run(store, transaction=True)
