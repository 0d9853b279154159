"""The appeal lifecycle (close, release, transfer, notes, read marks). Every query is scoped by the
caller's tenant_id; the rules live in ``shared.appeals.lifecycle``, which locks the appeal first
(``repo.appeals.lock_for_update``) so that concurrent calls on one appeal apply one after another."""

from uuid import UUID

from shared.appeals.sql import MESSAGE_COLUMNS, MessageRow
from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import execute, fetch_one


class IdRow(Record):
    id: UUID


class SeqRow(Record):
    seq: int


class RegionRow(Record):
    phone_region: str


CLOSE = """
UPDATE appeals
   SET status = 'closed', closed_at = now(), resolution = COALESCE(%(resolution)s, resolution), updated_at = now()
 WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

RELEASE = """
UPDATE appeals SET status = 'new', assigned_operator_id = NULL, updated_at = now()
 WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

TRANSFER = """
UPDATE appeals SET status = 'in_progress', assigned_operator_id = %(operator_id)s, updated_at = now()
 WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s
"""

# An active operator of the tenant (a transfer's target). FOR SHARE: a concurrent disable waits.
ACTIVE_OPERATOR = """
SELECT id FROM operators WHERE id = %(operator_id)s AND tenant_id = %(tenant_id)s AND is_active FOR SHARE
"""

INSERT_NOTE = f"""
WITH appeal AS (
    UPDATE appeals SET updated_at = now() WHERE id = %(appeal_id)s AND tenant_id = %(tenant_id)s RETURNING id
)
INSERT INTO appeal_messages (tenant_id, appeal_id, direction, kind, text, operator_id, delivery_status)
SELECT %(tenant_id)s, appeal.id, 'note', 'text', %(text)s, %(operator_id)s, 'internal' FROM appeal
RETURNING {MESSAGE_COLUMNS}
"""  # noqa: S608 - only constant column lists go into the text

# The read mark at a message: how many client messages the appeal had when it arrived.
SEQ_AT_MESSAGE = """
SELECT count(*) FILTER (WHERE m.direction = 'in') AS seq
  FROM appeal_messages t
  JOIN appeal_messages m ON m.appeal_id = t.appeal_id AND m.tenant_id = t.tenant_id
                        AND (m.created_at, m.id) <= (t.created_at, t.id)
 WHERE t.id = %(message_id)s AND t.appeal_id = %(appeal_id)s AND t.tenant_id = %(tenant_id)s
 GROUP BY t.id
"""

SET_READ_MARK = """
INSERT INTO appeal_reads (tenant_id, appeal_id, operator_id, read_seq)
SELECT a.tenant_id, a.id, %(operator_id)s, COALESCE(%(seq)s::bigint, a.in_seq)
  FROM appeals a WHERE a.id = %(appeal_id)s AND a.tenant_id = %(tenant_id)s
ON CONFLICT (appeal_id, operator_id) DO UPDATE SET read_seq = EXCLUDED.read_seq, updated_at = now()
"""

TENANT_REGION = "SELECT phone_region FROM tenants WHERE id = %(tenant_id)s"


def close(conn: Connection, tenant_id: UUID, appeal_id: UUID, resolution: str | None) -> None:
    execute(conn, CLOSE, tenant_id=tenant_id, appeal_id=appeal_id, resolution=resolution)


def release(conn: Connection, tenant_id: UUID, appeal_id: UUID) -> None:
    execute(conn, RELEASE, tenant_id=tenant_id, appeal_id=appeal_id)


def transfer(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID) -> None:
    execute(conn, TRANSFER, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id)


def is_active_operator(conn: Connection, tenant_id: UUID, operator_id: UUID) -> bool:
    return fetch_one(conn, IdRow, ACTIVE_OPERATOR, tenant_id=tenant_id, operator_id=operator_id) is not None


def insert_note(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID, text: str) -> MessageRow:
    row = fetch_one(
        conn, MessageRow, INSERT_NOTE, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id, text=text
    )
    assert row is not None
    return row


def seq_at_message(conn: Connection, tenant_id: UUID, appeal_id: UUID, message_id: UUID) -> int | None:
    """The read mark at ``message_id``; None when the appeal has no such message."""
    row = fetch_one(conn, SeqRow, SEQ_AT_MESSAGE, tenant_id=tenant_id, appeal_id=appeal_id, message_id=message_id)
    return None if row is None else row.seq


def set_read_mark(conn: Connection, tenant_id: UUID, appeal_id: UUID, operator_id: UUID, seq: int | None) -> None:
    execute(conn, SET_READ_MARK, tenant_id=tenant_id, appeal_id=appeal_id, operator_id=operator_id, seq=seq)


def tenant_region(conn: Connection, tenant_id: UUID) -> str:
    row = fetch_one(conn, RegionRow, TENANT_REGION, tenant_id=tenant_id)
    return row.phone_region if row else "RU"
