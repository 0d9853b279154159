"""Operator uploads and the answers that carry them.

``create``: an upload of the operator's tenant is a ``pending`` attachment (source ``upload``)
with a signed PUT URL of the media store; photos, PDFs and office/text documents up to 20 MB,
never executables. ``check`` (before an answer is recorded): every id is an upload of the
caller's tenant (else 404) whose bytes have arrived (else 400). ``send``: each file to the client
with ``sendPhoto``/``sendDocument``, the answer's text as the first one's caption.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from shared.appeals.message_models import AttachmentOut
from shared.auth.sessions import Session
from shared.channels.telegram import files as telegram_files
from shared.core import db
from shared.core.errors import ChannelUnavailable, InvalidRequest, NotFound
from shared.core.observability import logger
from shared.core.settings import get_settings
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
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "exe", "msi", "bat", "cmd", "com", "scr", "pif", "cpl", "dll", "sys", "ps1", "vbs", "vbe", "js", "jse",
        "wsf", "wsh", "hta", "jar", "apk", "app", "dmg", "pkg", "deb", "rpm", "sh", "bash", "run", "bin", "elf",
        "lnk", "reg", "msp", "appimage",
    }
)  # fmt: skip


def create(session: Session, request: UploadRequest) -> UploadOut:
    mime = request.mime_type.lower().split(";")[0].strip()
    extension = request.file_name.rsplit(".", 1)[-1].lower() if "." in request.file_name else ""
    if extension in EXECUTABLE_EXTENSIONS or mime not in PHOTO_TYPES | DOCUMENT_TYPES:
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
            file_name=request.file_name,
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
    """The uploads exist in the caller's tenant and their bytes arrived; returns the message kind."""
    rows = db.run(lambda conn: repo.find_uploads(conn, session.tenant_id, ids))
    if len(rows) != len(set(ids)):
        raise NotFound("No such upload.")
    store = media_store.store()
    for row in rows:
        try:
            arrived = store.exists(row.storage_key)
        except media_store.StoreUnavailable as exc:
            raise ChannelUnavailable("The attachment store is unavailable. Retry shortly.") from exc
        if not arrived:
            raise InvalidRequest(f"Invalid field: attachment_ids (upload {row.id} has no file yet: PUT it first).")
    by_id = {row.id: row for row in rows}
    return by_id[ids[0]].kind


def link(conn: db.Connection, session: Session, message_id: UUID, ids: Sequence[UUID]) -> None:
    """Inside the answer's transaction: the uploads become the message's attachments (once)."""
    if repo.link_uploads(conn, session.tenant_id, message_id, ids) != len(set(ids)):
        raise InvalidRequest("Invalid field: attachment_ids (an upload was already sent with another answer).")


def send(tenant_id: UUID, token: str, chat_id: int, message_id: UUID, text: str) -> int:
    """The message's files to the client (text as the first caption); Telegram's first message id."""
    attachments = db.run(lambda conn: repo.of_message(conn, tenant_id, message_id))
    store = media_store.store()
    first: int | None = None
    for index, attachment in enumerate(attachments):
        if attachment.telegram_message_id is not None:  # went out before this retry: never twice
            first = attachment.telegram_message_id if first is None else first
            continue
        try:
            data = store.get(attachment.storage_key)
        except (media_store.StoreUnavailable, media_store.MediaMissing) as exc:
            logger.error("attachment unreadable", extra={"attachment_id": str(attachment.id)})
            raise ChannelUnavailable("The attachment could not be read. Retry shortly.") from exc
        caption = text if index == 0 and text else None
        sent = telegram_files.send_file(
            token, chat_id, data, attachment.file_name or "file", attachment.mime_type or "", caption
        )
        db.run(
            functools.partial(
                repo.mark_sent, tenant_id=tenant_id, attachment_id=attachment.id, telegram_message_id=sent
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
            url=media_store.signed_url(row.status, row.storage_key),
        )
        for row in rows
    ]
