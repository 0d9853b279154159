"""The lists the apps need besides appeals: promos, colleagues, quick replies (tenant-wide)."""

from __future__ import annotations

from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import NotFound, parse_uuid
from shared.core.observability import logger
from shared.team import promos_sql as promos
from shared.team import sql as repo
from shared.team.models import ColleagueOut, PromoOut, QuickReplyOut, QuickReplyRequest

ONLINE_S = 300  # a colleague is online with a live session active in the last 5 minutes


def list_promos(session: Session) -> list[PromoOut]:
    rows = db.run(lambda conn: promos.list_active(conn, session.tenant_id))
    return [PromoOut.model_validate(r, from_attributes=True) for r in rows]


def list_colleagues(session: Session) -> list[ColleagueOut]:
    rows = db.run(lambda conn: repo.colleagues(conn, session.tenant_id, ONLINE_S))
    return [ColleagueOut.model_validate(r, from_attributes=True) for r in rows]


def list_quick_replies(session: Session) -> list[QuickReplyOut]:
    rows = db.run(lambda conn: repo.list_quick_replies(conn, session.tenant_id))
    return [QuickReplyOut.model_validate(r, from_attributes=True) for r in rows]


def create_quick_reply(session: Session, request: QuickReplyRequest) -> QuickReplyOut:
    row = db.run(
        lambda conn: repo.create_quick_reply(conn, session.tenant_id, session.operator_id, request.title, request.text)
    )
    logger.info("quick reply created", extra={"quick_reply_id": str(row.id)})
    return QuickReplyOut.model_validate(row, from_attributes=True)


def delete_quick_reply(session: Session, quick_reply_id: str) -> None:
    reply_uuid = parse_uuid(quick_reply_id, "quick reply id")
    if not db.run(lambda conn: repo.delete_quick_reply(conn, session.tenant_id, reply_uuid)):
        raise NotFound("No such quick reply.")
    logger.info("quick reply deleted", extra={"quick_reply_id": str(reply_uuid)})
