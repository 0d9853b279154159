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
from shared.appeals.models import AppealOut, AppealsPage, AppealsQuery
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

    def fetch(conn: db.Connection) -> list[repo.AppealListRow]:
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
    next_cursor = encode_cursor(page[-1].sort_key, page[-1].id, query.sort) if len(rows) > query.limit else None
    return AppealsPage(appeals=[_list_item(r) for r in page], next_cursor=next_cursor)


def _list_item(row: repo.AppealListRow) -> AppealOut:
    # One validation from a plain dict: the cheapest way to the model (a hot path).
    return AppealOut.model_validate(
        {
            "id": row.id,
            "status": row.status,
            "channel": row.channel,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "assigned_operator_id": row.assigned_operator_id,
            "preview": row.preview,
            "closed_at": row.closed_at,
            "last_message_at": row.last_message_at,
            "last_message_preview": row.last_message_preview,
            "unread_count": row.unread_count,
            "client": {
                "id": row.client_id,
                "name": row.client_name,
                "phone": row.client_phone,
                "reachable": row.client_reachable,
                "phone_verified": row.client_phone_verified,
            },
        }
    )
