"""Binding a device's FCM token (and what it tells about itself) to the caller's session, so
pushes reach it; the token moves here from any other session that held it."""

from __future__ import annotations

from shared.auth import sessions
from shared.auth import sessions_sql as session_repo
from shared.auth.models import RegisterFcmRequest
from shared.core import db
from shared.core.errors import NotFound
from shared.core.observability import logger, mask


def register_fcm(session: sessions.Session, request: RegisterFcmRequest) -> None:
    mask([request.fcm_token])
    sent = request.model_fields_set
    info = request.device_info.model_dump() if request.device_info else None

    def store(conn: db.Connection) -> bool:
        return session_repo.register_fcm(
            conn,
            session_id=session.id,
            tenant_id=session.tenant_id,
            fcm_token=request.fcm_token,
            device_id=request.device_id,
            set_device_id="device_id" in sent,
            device_info=info,
            set_device_info="device_info" in sent,
        )

    if not sessions.run_retrying_races(store):
        raise NotFound("The session ended meanwhile.")
    logger.info("fcm token registered", extra={"session_id": str(session.id)})
