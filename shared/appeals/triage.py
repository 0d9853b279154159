"""What an operator does with an appeal before answering it: take it, reject it, or clean up its
client's data (normalize). Reading appeals: ``shared.appeals.listing``; answers: ``shared.appeals.answers``; close,
release, transfer: ``shared.appeals.lifecycle``.

Rules live here, SQL in ``repo.appeals``. Every call is scoped to the session's tenant: an appeal
of another tenant is ``not_found``, never ``forbidden``. Who may act on an appeal:

- take: an open appeal (``new``/``in_progress``) that is unassigned or already the caller's;
- reject: the same, and rejecting again what the caller rejected is a no-op;
- normalize: any appeal not held by another operator (also closed ones: data cleanup goes on).

Someone else holding it is 409 ``appeal_already_taken``; a closed or rejected appeal is 409
``appeal_closed``.
"""

from __future__ import annotations

from typing import Any

from shared.appeals import rules as appeal_rules
from shared.appeals import sql as repo
from shared.appeals.models import AppealOut, appeal_out
from shared.appeals.normalize import clean_fields
from shared.appeals.triage_models import Normalized, NormalizeRequest
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import parse_uuid
from shared.core.observability import logger

# --- take and reject -------------------------------------------------------------------------


def take(session: Session, appeal_id: str) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")

    def work(conn: db.Connection) -> repo.TakenAppealRow:
        row = repo.take(conn, session.tenant_id, appeal_uuid, session.operator_id)
        if row is None:
            appeal_rules.refuse(session, repo.state(conn, session.tenant_id, appeal_uuid))
        if row.newly_taken:
            appeal_rules.announce_taken(conn, session, appeal_uuid)
        return row

    row = db.run(work, transaction=True)
    logger.info("appeal taken", extra={"appeal_id": str(appeal_uuid), "newly": row.newly_taken})
    return appeal_out(row.appeal)


def reject(session: Session, appeal_id: str, reason: str | None) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")

    def work(conn: db.Connection) -> repo.AppealRow:
        row = repo.reject(conn, session.tenant_id, appeal_uuid, session.operator_id, reason or None)
        if row is None:
            appeal_rules.refuse(session, repo.state(conn, session.tenant_id, appeal_uuid))
        return row

    row = db.run(work, transaction=True)
    logger.info("appeal rejected", extra={"appeal_id": str(appeal_uuid)})
    return appeal_out(row)


# --- normalize ------------------------------------------------------------------------------


def normalize(session: Session, appeal_id: str, request: NormalizeRequest) -> Normalized:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    sent = {name: getattr(request, name) for name in request.model_fields_set}

    def work(conn: db.Connection) -> dict[str, Any]:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        appeal_rules.ensure_not_held_by_another(session, appeal)
        values, cleared = clean_fields(sent, appeal.phone_region)
        return repo.normalize(conn, session.tenant_id, appeal_uuid, values, cleared)

    stored = db.run(work, transaction=True)
    logger.info("appeal normalized", extra={"appeal_id": str(appeal_uuid), "fields": sorted(sent)})
    return Normalized.model_validate(stored)
