"""Signing in: the password check, throttling, the new session replacing the old one of its device
type, the ``new_sign_in`` push. (Signing out is ``sessions.logout``: it needs none of this.)"""

from __future__ import annotations

from uuid import UUID

from shared import push
from shared.auth import operators_sql as operators
from shared.auth import passwords, sessions, throttle
from shared.auth import sessions_sql as session_repo
from shared.auth.models import DeviceInfo, LoginRequest, LoginResponse, OperatorOut
from shared.core import db, metrics
from shared.core.errors import AccountDisabled, InvalidCredentials
from shared.core.observability import logger, mask
from shared.core.settings import DeviceType, get_settings


def login(request: LoginRequest, device_type: DeviceType, source_ip: str) -> LoginResponse:
    mask([request.password])
    operator = db.run(lambda conn: operators.find_by_login(conn, request.login))
    stored_hash = operator.password_hash if operator else None
    # Counted under the account's own login, however it was typed
    verdict = throttle.attempt(
        operator.login if operator else request.login,
        source_ip,
        lambda: passwords.verify(stored_hash, request.password),
    )
    if operator is None or not verdict.ok:
        logger.info("login failed", extra={"device_type": device_type, "source_ip": source_ip})
        metrics.login_failed()
        raise InvalidCredentials()
    if not operator.is_active:
        raise AccountDisabled()
    if verdict.needs_rehash:
        new_hash = passwords.hash_password(request.password)
        db.run(lambda conn: operators.set_password_hash(conn, operator.id, new_hash))

    token = sessions.new_token()
    mask([token])
    row = _open_session(operator, device_type, sessions.hash_token(token), request.device_info)
    logger.info("login", extra={"operator_id": str(operator.id), "device_type": device_type})
    metrics.login_succeeded()
    idle = get_settings().idle_lifetime(device_type)
    return LoginResponse(
        session_token=token,
        device_type=device_type,
        expires_at=min(row.expires_at, row.last_active_at + idle),
        operator=OperatorOut(
            id=operator.id, tenant_id=operator.tenant_id, name=operator.name, login=operator.login, role=operator.role
        ),
    )


def _open_session(
    operator: operators.OperatorRow, device_type: DeviceType, token_hash: bytes, device_info: DeviceInfo | None
) -> session_repo.CreatedSessionRow:
    """Create the session, replacing the operator's current one of this device type. Concurrent
    logins of the same kind queue on a lock; the UNIQUE constraint stays the guarantee, and a
    login that still loses a race on it just runs again and replaces the winner's session."""

    def replace(conn: db.Connection) -> session_repo.CreatedSessionRow:
        replaced = session_repo.remove_for_device_type(conn, operator.id, operator.tenant_id, device_type)
        db.after_commit(lambda: metrics.sessions_replaced(len(replaced)))
        push.enqueue(
            conn,
            operator.tenant_id,
            "session_replaced",
            {"type": "session_replaced", "device_type": device_type},
            [(old.fcm_token, old.id) for old in replaced if old.fcm_token],
        )
        info = device_info.model_dump() if device_info else None
        created = session_repo.insert(
            conn,
            operator_id=operator.id,
            tenant_id=operator.tenant_id,
            device_type=device_type,
            token_hash=token_hash,
            device_id=device_info.device_id if device_info else None,
            device_info=info,
            absolute=get_settings().absolute_lifetime(device_type),
        )
        _announce_sign_in(conn, operator, created.id, device_type, device_info)
        return created

    return sessions.run_retrying_races(replace)


def _announce_sign_in(
    conn: db.Connection,
    operator: operators.OperatorRow,
    session_id: UUID,
    device_type: DeviceType,
    device_info: DeviceInfo | None,
) -> None:
    """Push ``new_sign_in`` to the operator's other live sessions that can receive pushes."""
    model = (device_info.device_model if device_info else None) or ""
    data = {"type": "new_sign_in", "device_type": device_type, "device_model": model}
    push.enqueue_for_operator_sessions(
        conn, operator.tenant_id, operator.id, "new_sign_in", data, except_session_id=session_id
    )
