"""Internal notes: any operator of the tenant adds one to an appeal in any state (a message with
direction ``note``, never sent to the client). Apart from ``shared.appeals.lifecycle`` so that the
lifecycle calls, which answer with the appeal, do not define the message models."""

from shared.appeals import lifecycle_sql as repo
from shared.appeals import rules as appeal_rules
from shared.appeals import sql as appeals_repo
from shared.appeals.lifecycle_models import NoteRequest
from shared.appeals.message_models import MessageOut, MessageResponse
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import parse_uuid
from shared.core.observability import logger


def add_note(session: Session, appeal_id: str, request: NoteRequest) -> MessageResponse:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")

    def work(conn: db.Connection) -> appeals_repo.MessageRow:
        appeal_rules.locked(conn, session, appeal_uuid)
        return repo.insert_note(conn, session.tenant_id, appeal_uuid, session.operator_id, request.text)

    message = db.run(work, transaction=True)
    logger.info("note added", extra={"appeal_id": str(appeal_uuid), "message_id": str(message.id)})
    return MessageResponse(appeal_id=appeal_uuid, message=MessageOut.model_validate(message, from_attributes=True))
