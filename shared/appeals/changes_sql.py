"""The console's "what changed since" poll: appeals of one tenant by updated_at (appeals_changes_idx)."""

from datetime import datetime
from uuid import UUID

from shared.core.db import Connection
from shared.core.records import Record
from shared.core.sql import fetch_one


class ChangesRow(Record):
    ids: list[UUID]  # changed appeals, oldest change first
    newest: datetime | None  # the newest change among them
    oldest_open: datetime | None  # when the oldest transaction still running began
    now: datetime


# One round trip. ``changed``: the tenant's appeals whose updated_at is after the cursor, oldest
# change first (an index range scan). ``oldest_open``: when the oldest transaction still running
# in this database began. updated_at is now() (the writing transaction's start), so a transaction
# still in flight may yet commit rows dated before a change already visible; the caller never lets
# the cursor pass the start of such a transaction, so no change is ever skipped (one may be
# reported twice). Only backends of the API's own role show xact_start here, which is the role
# every function uses. A long transaction in the same database (a pg_dump, say) holds the cursor
# back while it runs: the same ids come again on each poll, nothing is lost.
CHANGED_SINCE = """
WITH changed AS (
    SELECT id, updated_at
      FROM appeals
     WHERE tenant_id = %(tenant_id)s AND updated_at > %(since)s::timestamptz
     ORDER BY updated_at, id
     LIMIT %(limit)s
)
SELECT COALESCE((SELECT array_agg(id ORDER BY updated_at, id) FROM changed), '{}'::uuid[]) AS ids,
       (SELECT max(updated_at) FROM changed) AS newest,
       (SELECT min(xact_start) FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend'
           AND pid <> pg_backend_pid() AND xact_start IS NOT NULL) AS oldest_open,
       now() AS now
"""


def changed_since(conn: Connection, tenant_id: UUID, since: datetime | None, limit: int) -> ChangesRow:
    row = fetch_one(conn, ChangesRow, CHANGED_SINCE, tenant_id=tenant_id, since=since, limit=limit)
    assert row is not None
    return row
