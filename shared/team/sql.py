"""What the apps list besides appeals: colleagues and quick replies. Scoped by tenant_id."""

from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_all, fetch_one


class ColleagueRow(Record):
    id: UUID
    name: str
    login: str
    online: bool


class QuickReplyRow(Record):
    id: UUID
    title: str
    text: str


# Active operators; online: a live session active within the last ``online_s`` seconds.
COLLEAGUES = """
SELECT o.id, o.name, o.login,
       EXISTS (SELECT 1 FROM operator_devices d
                WHERE d.operator_id = o.id AND d.tenant_id = o.tenant_id
                  AND d.expires_at > now()
                  AND d.last_active_at > now() - make_interval(secs => %(online_s)s)) AS online
  FROM operators o
 WHERE o.tenant_id = %(tenant_id)s AND o.is_active
 ORDER BY o.name, o.login
"""

LIST_QUICK_REPLIES = """
SELECT id, title, text FROM quick_replies WHERE tenant_id = %(tenant_id)s ORDER BY created_at, id
"""

CREATE_QUICK_REPLY = """
INSERT INTO quick_replies (tenant_id, title, text, created_by)
VALUES (%(tenant_id)s, %(title)s, %(text)s, %(operator_id)s)
RETURNING id, title, text
"""

DELETE_QUICK_REPLY = """
DELETE FROM quick_replies WHERE id = %(quick_reply_id)s AND tenant_id = %(tenant_id)s
"""


def colleagues(conn: Connection, tenant_id: UUID, online_s: int) -> list[ColleagueRow]:
    return fetch_all(conn, ColleagueRow, COLLEAGUES, tenant_id=tenant_id, online_s=online_s)


def list_quick_replies(conn: Connection, tenant_id: UUID) -> list[QuickReplyRow]:
    return fetch_all(conn, QuickReplyRow, LIST_QUICK_REPLIES, tenant_id=tenant_id)


def create_quick_reply(conn: Connection, tenant_id: UUID, operator_id: UUID, title: str, text: str) -> QuickReplyRow:
    row = fetch_one(
        conn, QuickReplyRow, CREATE_QUICK_REPLY, tenant_id=tenant_id, operator_id=operator_id, title=title, text=text
    )
    assert row is not None
    return row


def delete_quick_reply(conn: Connection, tenant_id: UUID, quick_reply_id: UUID) -> bool:
    return execute(conn, DELETE_QUICK_REPLY, tenant_id=tenant_id, quick_reply_id=quick_reply_id) > 0
