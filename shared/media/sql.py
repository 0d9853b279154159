"""Attachments (files of messages, and operator uploads) and the media download queue's rows."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.appeals.statuses import AttachmentStatus
from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_all, fetch_one


class AttachmentRow(Record):
    """A message's attachment, or an operator's upload, as the API shows it (before its link)."""

    id: UUID
    kind: str
    mime_type: str | None
    file_name: str | None
    size: int | None
    status: AttachmentStatus
    storage_key: str
    message_id: UUID | None  # an upload: set once an answer carried it
    external_message_id: str | None  # an operator's file: the platform message it went out as


class DownloadRow(Record):
    """What a media download needs: the file's channel and reference, and the tenant's account there."""

    id: UUID
    tenant_id: UUID
    slug: str
    source: str  # the channel it came from
    kind: str
    mime_type: str | None
    size: int | None
    status: AttachmentStatus
    file_ref: str | None
    storage_key: str
    token_ref: str | None
    settings: dict[str, Any] | None


class MediaJobRow(Record):
    """A media_jobs row (every column: the job queue claims whole rows)."""

    id: int
    tenant_id: UUID
    attachment_id: UUID
    status: AttachmentStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


INSERT_ATTACHMENT = """
INSERT INTO attachments (id, tenant_id, message_id, source, kind, mime_type, file_name, size, status,
                         file_ref, storage_key, operator_id)
VALUES (%(id)s, %(tenant_id)s, %(message_id)s, %(source)s, %(kind)s, %(mime_type)s, %(file_name)s, %(size)s,
        %(status)s, %(file_ref)s, %(storage_key)s, %(operator_id)s)
RETURNING id, kind, mime_type, file_name, size, status, storage_key, created_at
"""

# What a download needs: the file's channel and reference, the tenant's token there.
FOR_DOWNLOAD = """
SELECT a.id, a.tenant_id, t.slug, a.source, a.kind, a.mime_type, a.size, a.status, a.file_ref, a.storage_key,
       c.token_ref, c.settings
  FROM attachments a
  JOIN tenants t ON t.id = a.tenant_id
  LEFT JOIN channel_accounts c ON c.tenant_id = a.tenant_id AND c.channel = a.source
 WHERE a.id = %(attachment_id)s
"""

# The download settled (ready, too_large, failed): the appeal counts as changed (updated_at), so that
# anything polling appeals for changes shows the attachment's new state.
MARK = """
WITH attachment AS (
    UPDATE attachments
       SET status = %(status)s, size = COALESCE(%(size)s, size), updated_at = now()
     WHERE id = %(attachment_id)s AND status = 'pending'
 RETURNING tenant_id, message_id
)
UPDATE appeals a SET updated_at = now()
  FROM attachment, appeal_messages m
 WHERE m.id = attachment.message_id AND m.tenant_id = attachment.tenant_id
   AND a.id = m.appeal_id AND a.tenant_id = m.tenant_id
"""

# An attachment or an upload as ``AttachmentRow``.
_ATTACHMENT_COLUMNS = "id, kind, mime_type, file_name, size, status, storage_key, message_id, external_message_id"

# Operator uploads of the tenant, by id (any of them missing: another tenant's or unknown).
FIND_UPLOADS = f"""
SELECT {_ATTACHMENT_COLUMNS}
  FROM attachments
 WHERE tenant_id = %(tenant_id)s AND source = 'upload' AND id = ANY(%(ids)s)
"""  # noqa: S608 - only constant column lists go into the text

LINK_UPLOADS = """
UPDATE attachments SET message_id = %(message_id)s, status = 'ready', updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND source = 'upload' AND id = ANY(%(ids)s) AND message_id IS NULL
"""

OF_MESSAGE = f"""
SELECT {_ATTACHMENT_COLUMNS}
  FROM attachments
 WHERE tenant_id = %(tenant_id)s AND message_id = %(message_id)s
 ORDER BY created_at, id
"""  # noqa: S608 - only constant column lists go into the text


def insert_attachment(
    conn: Connection,
    *,
    id: UUID,
    tenant_id: UUID,
    source: str,
    kind: str,
    mime_type: str | None,
    file_name: str | None,
    status: str,
    storage_key: str,
    size: int | None = None,
    message_id: UUID | None = None,
    file_ref: str | None = None,
    operator_id: UUID | None = None,
) -> None:
    execute(
        conn,
        INSERT_ATTACHMENT,
        id=id,
        tenant_id=tenant_id,
        message_id=message_id,
        source=source,
        kind=kind,
        mime_type=mime_type,
        file_name=file_name,
        size=size,
        status=status,
        file_ref=file_ref,
        storage_key=storage_key,
        operator_id=operator_id,
    )


def for_download(conn: Connection, attachment_id: UUID) -> DownloadRow | None:
    return fetch_one(conn, DownloadRow, FOR_DOWNLOAD, attachment_id=attachment_id)


def mark(conn: Connection, attachment_id: UUID, status: str, size: int | None = None) -> None:
    execute(conn, MARK, attachment_id=attachment_id, status=status, size=size)


def find_uploads(conn: Connection, tenant_id: UUID, ids: Sequence[UUID]) -> list[AttachmentRow]:
    return fetch_all(conn, AttachmentRow, FIND_UPLOADS, tenant_id=tenant_id, ids=list(ids))


SET_STORAGE_KEY = """
UPDATE attachments SET storage_key = %(storage_key)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND id = %(id)s AND source = 'upload' AND message_id IS NULL
"""


def set_storage_key(conn: Connection, tenant_id: UUID, attachment_id: UUID, storage_key: str) -> None:
    """An upload not yet carried by an answer now lives at ``storage_key``."""
    execute(conn, SET_STORAGE_KEY, tenant_id=tenant_id, id=attachment_id, storage_key=storage_key)


def link_uploads(conn: Connection, tenant_id: UUID, message_id: UUID, ids: Sequence[UUID]) -> int:
    return execute(conn, LINK_UPLOADS, tenant_id=tenant_id, message_id=message_id, ids=list(ids))


def of_message(conn: Connection, tenant_id: UUID, message_id: UUID) -> list[AttachmentRow]:
    return fetch_all(conn, AttachmentRow, OF_MESSAGE, tenant_id=tenant_id, message_id=message_id)


MARK_SENT = """
UPDATE attachments SET external_message_id = %(external_message_id)s, updated_at = now()
 WHERE tenant_id = %(tenant_id)s AND id = %(attachment_id)s
"""


def mark_sent(conn: Connection, tenant_id: UUID, attachment_id: UUID, external_message_id: str) -> None:
    """The attachment went out as that platform message (a retry of its answer skips it)."""
    execute(conn, MARK_SENT, tenant_id=tenant_id, attachment_id=attachment_id, external_message_id=external_message_id)
