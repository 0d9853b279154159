"""The appeal list: cursor-paginated, searched, scoped to the session's tenant. One appeal:
``shared.appeals.detail``; take, reject, normalize: ``shared.appeals.triage``; answers: ``shared.appeals.answers``;
close, release, transfer: ``shared.appeals.lifecycle``. Apart so that the list imports neither what changes
appeals (locks, pushes) nor the message and detail models.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from shared.appeals import search
from shared.appeals import sql as repo
from shared.appeals.list_models import AppealsPage, AppealsQuery
from shared.appeals.models import appeal_out
from shared.appeals.statuses import ALL_STATUSES, OPEN_STATUSES
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import InvalidRequest

_FIRST_PAGE = ("infinity", UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"))


def encode_cursor(sort_key: datetime, appeal_id: UUID, sort: str = "created") -> str:
    raw = json.dumps({"s": sort, "t": sort_key.isoformat(), "id": str(appeal_id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str = "created") -> tuple[datetime, UUID]:
    """The position a cursor encodes; 400 when it is malformed or was made for the other sort
    (cursors from before ``sort`` existed are ``created`` ones)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created_at = datetime.fromisoformat(data["t"])
        if created_at.tzinfo is None:
            raise ValueError("naive timestamp")
        made_for = data.get("s", "created")
        position = created_at, UUID(data["id"])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError, binascii.Error):
        raise InvalidRequest("The cursor is not valid; pass the next_cursor of the previous page.") from None
    if made_for != sort:
        raise InvalidRequest(f"The cursor belongs to sort={made_for}; start again without a cursor.")
    return position


def list_appeals(session: Session, query: AppealsQuery) -> AppealsPage:
    statuses: tuple[str, ...] = (
        OPEN_STATUSES if query.status is None else ALL_STATUSES if query.status == "all" else (query.status,)
    )
    before: tuple[datetime | str, UUID] = decode_cursor(query.cursor, query.sort) if query.cursor else _FIRST_PAGE
    q = query.q.strip() if query.q is not None else None
    if q is not None and len(q) < 2:
        raise InvalidRequest("Invalid field: q (2-100 characters besides surrounding spaces).")

    def fetch(conn: db.Connection) -> list[repo.AppealRow]:
        terms = search.terms(conn, session.tenant_id, q) if q is not None else None
        return repo.list_page(
            conn,
            tenant_id=session.tenant_id,
            operator_id=session.operator_id,
            statuses=statuses,
            assigned=query.assigned,
            sort=query.sort,
            before_key=before[0],
            before_id=before[1],
            limit=query.limit + 1,
            pattern=terms.pattern if terms else None,
            digits=terms.digits if terms else None,
        )

    rows = db.run(fetch)
    page = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit:
        last = page[-1]
        assert last.sort_key is not None  # every row of the list has one
        next_cursor = encode_cursor(last.sort_key, last.id, query.sort)
    return AppealsPage(appeals=[appeal_out(r) for r in page], next_cursor=next_cursor)
