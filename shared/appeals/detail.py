"""One appeal with its client and its messages (ready attachments with their signed links), scoped
to the session's tenant: an appeal of another tenant is ``not_found``."""

from __future__ import annotations

from shared.appeals import sql as repo
from shared.appeals.detail_models import AppealDetailOut
from shared.appeals.models import appeal_fields
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import NotFound, parse_uuid
from shared.media import store as media_store


def detail(session: Session, appeal_id: str) -> AppealDetailOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    row = db.run(lambda conn: repo.detail(conn, session.tenant_id, appeal_uuid, session.operator_id))
    if row is None:
        raise NotFound("No such appeal.")
    for message in row.messages:
        for attachment in message.get("attachments") or ():
            attachment["url"] = media_store.signed_url(
                attachment["status"],
                attachment["storage_key"],
                attachment.get("mime_type"),
                attachment.get("file_name"),
            )
    fields = appeal_fields(row.appeal)
    fields["client"].update(
        telegram_id=row.client_telegram_id,
        channel=row.client_channel,
        external_id=row.client_external_id,
        other_appeals=row.client_other_appeals,
    )
    fields.update(
        normalized=row.normalized, reject_reason=row.reject_reason, resolution=row.resolution, messages=row.messages
    )
    return AppealDetailOut.model_validate(fields)
