"""Operator uploads and the answers that carry them.

``create``: an upload of the operator's tenant is a ``pending`` attachment (source ``upload``)
with a signed PUT URL of the media store; photos, PDFs and office/text documents up to 20 MB,
never a name that runs, renders as a page or mounts (``shared.media.safety.dangerous_name``).
``check`` (before an answer is recorded): every id is an upload of the caller's tenant (else 404)
whose bytes have arrived (else 400); they are copied, in the store, to the upload's final key
(``<tenant>/sent/<id>``), which its PUT URL cannot reach, and checked there against what the upload
declared (their signature, in the first bytes; else 400 and the copy is removed): what the client
receives is what was checked and what the conversation keeps. ``send``: each file to the
client with ``sendPhoto``/``sendDocument``, the answer's text as the first one's caption.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from shared.appeals.message_models import AttachmentOut
from shared.auth.sessions import Session
from shared.channels.base import Account, Channel, OutgoingFile
from shared.core import db
from shared.core.errors import ChannelUnavailable, InvalidRequest, NotFound
from shared.core.observability import logger
from shared.core.settings import get_settings
from shared.media import safety
from shared.media import sql as repo
from shared.media import store as media_store
from shared.media.models import UploadOut, UploadRequest

FILE_KINDS = frozenset({"photo", "document"})
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
DOCUMENT_TYPES = frozenset(
    {
        "image/gif",
        "image/heic",
        "image/tiff",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/rtf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def create(session: Session, request: UploadRequest) -> UploadOut:
    mime = safety.clean_mime_type(request.mime_type)
    file_name = safety.clean_file_name(request.file_name)
    if safety.dangerous_name(request.file_name) or file_name is None:
        raise InvalidRequest("Invalid field: file_name (no programs, scripts, pages or disk images).")
    if mime not in PHOTO_TYPES | DOCUMENT_TYPES:
        raise InvalidRequest("Invalid field: mime_type (photos, PDFs and documents only; no executables).")
    settings = get_settings()
    if request.size > settings.media_max_bytes:
        raise InvalidRequest("Invalid field: size (at most 20 MB).")
    upload_id = uuid.uuid4()
    key = f"{session.tenant_id}/uploads/{upload_id}"
    db.run(
        lambda conn: repo.insert_attachment(
            conn,
            id=upload_id,
            tenant_id=session.tenant_id,
            source="upload",
            kind="photo" if mime in PHOTO_TYPES else "document",
            mime_type=mime,
            file_name=file_name,
            size=request.size,
            status="pending",
            storage_key=key,
            operator_id=session.operator_id,
        )
    )
    url, headers = media_store.store().signed_put(key, mime, request.size)
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.media_url_ttl_s)
    logger.info("upload created", extra={"upload_id": str(upload_id), "size": request.size})
    return UploadOut(id=upload_id, url=url, headers=headers, expires_at=expires_at)


def check(session: Session, ids: Sequence[UUID]) -> str:
    """The uploads exist in the caller's tenant, their bytes arrived and are what they declared;
    each is then fixed at its final key. Returns the message kind."""
    rows = db.run(lambda conn: repo.find_uploads(conn, session.tenant_id, ids))
    if len(rows) != len(set(ids)):
        raise NotFound("No such upload.")
    for row in rows:
        if row.message_id is None:  # not yet carried by an answer (a retry finds it fixed already)
            _fix(session, row)
    by_id = {row.id: row for row in rows}
    return by_id[ids[0]].kind


def _fix(session: Session, row: repo.AttachmentRow) -> None:
    """Copy the upload to its final key, then check the copy's first bytes against the declared
    type (the copy: a PUT to the upload's URL meanwhile cannot change what was checked)."""
    store = media_store.store()
    final_key = f"{session.tenant_id}/sent/{row.id}"
    if row.storage_key == final_key:  # checked and fixed by an earlier try of this answer
        return
    try:
        store.copy(row.storage_key, final_key, row.mime_type or safety.OCTET_STREAM)
        if not safety.sniff_matches(store.head(final_key, safety.SNIFF_BYTES), row.mime_type):
            store.delete(final_key)
            raise InvalidRequest(
                f"Invalid field: attachment_ids (upload {row.id} is not a {row.mime_type}: its bytes say otherwise)."
            )
    except media_store.MediaMissing:
        raise InvalidRequest(
            f"Invalid field: attachment_ids (upload {row.id} has no file yet: PUT it first)."
        ) from None
    except media_store.StoreUnavailable as exc:
        raise ChannelUnavailable("The attachment store is unavailable. Retry shortly.") from exc
    db.run(lambda conn: repo.set_storage_key(conn, session.tenant_id, row.id, final_key))


def link(conn: db.Connection, session: Session, message_id: UUID, ids: Sequence[UUID]) -> None:
    """Inside the answer's transaction: the uploads become the message's attachments (once)."""
    if repo.link_uploads(conn, session.tenant_id, message_id, ids) != len(set(ids)):
        raise InvalidRequest("Invalid field: attachment_ids (an upload was already sent with another answer).")


def send(tenant_id: UUID, channel: Channel, account: Account, external_id: str, message_id: UUID, text: str) -> str:
    """The message's files to the client over its channel (text as the first caption); the
    platform's id of the first. Raises the channel's send errors."""
    attachments = db.run(lambda conn: repo.of_message(conn, tenant_id, message_id))
    store = media_store.store()
    first: str | None = None
    for index, attachment in enumerate(attachments):
        if attachment.external_message_id is not None:  # went out before this retry: never twice
            first = attachment.external_message_id if first is None else first
            continue
        try:
            data = store.get(attachment.storage_key)
        except (media_store.StoreUnavailable, media_store.MediaMissing) as exc:
            logger.error("attachment unreadable", extra={"attachment_id": str(attachment.id)})
            raise ChannelUnavailable("The attachment could not be read. Retry shortly.") from exc
        caption = text if index == 0 and text else None
        file = OutgoingFile(data, attachment.file_name or "file", attachment.mime_type or "", attachment.kind)
        sent = channel.send_file(account, external_id, file, caption, f"{message_id}:{attachment.id}")
        db.run(
            functools.partial(
                repo.mark_sent, tenant_id=tenant_id, attachment_id=attachment.id, external_message_id=sent
            )
        )
        first = sent if first is None else first
    if first is None:
        raise ChannelUnavailable("The answer has no attachment to send.")
    return first


def attachments_out(session: Session, message_id: UUID) -> list[AttachmentOut]:
    """A message's attachments as the API shows them, with their links."""
    rows = db.run(lambda conn: repo.of_message(conn, session.tenant_id, message_id))
    return [
        AttachmentOut(
            id=row.id,
            kind=row.kind,
            mime_type=row.mime_type,
            file_name=row.file_name,
            size=row.size,
            status=row.status,
            url=media_store.signed_url(row.status, row.storage_key, row.mime_type, row.file_name),
        )
        for row in rows
    ]
