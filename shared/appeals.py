"""The operators' work on appeals: list, detail, take, reject, normalize (answers and promos:
``shared.answers``).

Rules live here, SQL in ``repo.appeals``. Every call is scoped to the session's tenant: an appeal
of another tenant is ``not_found``, never ``forbidden``. Who may act on an appeal:

- take: an open appeal (``new``/``in_progress``) that is unassigned or already the caller's;
- reject: the same, and rejecting again what the caller rejected is a no-op;
- normalize: any appeal not held by another operator (also closed ones: data cleanup goes on).

Someone else holding it is 409 ``appeal_already_taken``; a closed or rejected appeal is 409
``appeal_closed``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import appeal_rules, db, media_store, search
from shared.errors import Conflict, InvalidRequest, NotFound
from shared.models.appeals import (
    ALL_STATUSES,
    OPEN_STATUSES,
    AppealDetailOut,
    AppealOut,
    AppealsPage,
    AppealsQuery,
    Normalized,
    NormalizeRequest,
)
from shared.normalize import clean_fields
from shared.observability import logger
from shared.repo import appeals as repo
from shared.sessions import Session

_FIRST_PAGE = ("infinity", UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"))


# --- list and detail -------------------------------------------------------------------------


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


def detail(session: Session, appeal_id: str) -> AppealDetailOut:
    appeal_uuid = appeal_rules.parse_id(appeal_id)
    row = db.run(lambda conn: repo.detail(conn, session.tenant_id, appeal_uuid, session.operator_id))
    if row is None:
        raise NotFound("No such appeal.")
    for message in row.messages:
        for attachment in message.get("attachments") or ():
            attachment["url"] = media_store.signed_url(attachment["status"], attachment["storage_key"])
    return AppealDetailOut.model_validate(row, from_attributes=True)


# --- take and reject -------------------------------------------------------------------------


def _refusal(current: repo.AppealStateRow | None) -> Exception:
    """Why an appeal could not be changed, from its current state."""
    if current is None:
        return NotFound("No such appeal.")
    if current.status not in OPEN_STATUSES:
        return Conflict("appeal_closed", f"The appeal is {current.status}.")
    return Conflict("appeal_already_taken", "Another operator holds this appeal.")


def take(session: Session, appeal_id: str) -> AppealOut:
    appeal_uuid = appeal_rules.parse_id(appeal_id)

    def work(conn: db.Connection) -> repo.TakenAppealRow:
        row = repo.take(conn, session.tenant_id, appeal_uuid, session.operator_id)
        if row is None:
            raise _refusal(repo.state(conn, session.tenant_id, appeal_uuid))
        if row.newly_taken:
            appeal_rules.announce_taken(conn, session, appeal_uuid)
        return row

    row = db.run(work, transaction=True)
    logger.info("appeal taken", extra={"appeal_id": str(appeal_uuid), "newly": row.newly_taken})
    return AppealOut.model_validate(row, from_attributes=True)


def reject(session: Session, appeal_id: str, reason: str | None) -> AppealOut:
    appeal_uuid = appeal_rules.parse_id(appeal_id)

    def work(conn: db.Connection) -> repo.AppealRow:
        row = repo.reject(conn, session.tenant_id, appeal_uuid, session.operator_id, reason or None)
        if row is None:
            raise _refusal(repo.state(conn, session.tenant_id, appeal_uuid))
        return row

    row = db.run(work, transaction=True)
    logger.info("appeal rejected", extra={"appeal_id": str(appeal_uuid)})
    return AppealOut.model_validate(row, from_attributes=True)


# --- normalize ------------------------------------------------------------------------------


def normalize(session: Session, appeal_id: str, request: NormalizeRequest) -> Normalized:
    appeal_uuid = appeal_rules.parse_id(appeal_id)
    sent = {name: getattr(request, name) for name in request.model_fields_set}

    def work(conn: db.Connection) -> dict[str, Any]:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        appeal_rules.ensure_not_held_by_another(session, appeal)
        values, cleared = clean_fields(sent, appeal.phone_region)
        return repo.normalize(conn, session.tenant_id, appeal_uuid, values, cleared)

    stored = db.run(work, transaction=True)
    logger.info("appeal normalized", extra={"appeal_id": str(appeal_uuid), "fields": sorted(sent)})
    return Normalized.model_validate(stored)
