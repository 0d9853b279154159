"""The operators' work on appeals: list, detail, take, reject, normalize, answer, send a promo.

Rules live here, SQL in ``repo.appeals``. Every call is scoped to the session's tenant: an appeal
of another tenant is ``not_found``, never ``forbidden``. Who may act on an appeal:

- take: an open appeal (``new``/``in_progress``) that is unassigned or already the caller's;
- reject: the same, and rejecting again what the caller rejected is a no-op;
- normalize: any appeal not held by another operator (also closed ones: data cleanup goes on);
- response/promo: an open appeal held by the caller; an unassigned one is taken first.

Someone else holding it is 409 ``appeal_already_taken``; a closed or rejected appeal is 409
``appeal_closed``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import appeal_rules, db, media, metrics, push, search, telegram_bot, uploads
from shared.errors import ChannelUnavailable, ClientUnreachable, Conflict, InvalidRequest, NotFound, parse_uuid
from shared.models.appeals import (
    ALL_STATUSES,
    OPEN_STATUSES,
    AppealDetailOut,
    AppealOut,
    AppealsPage,
    AppealsQuery,
    MessageOut,
    MessageResponse,
    Normalized,
    NormalizeRequest,
    PromoRequest,
    ResponseRequest,
)
from shared.normalize import clean_fields
from shared.observability import logger
from shared.repo import appeals as repo
from shared.repo import clients, promos
from shared.sessions import Session
from shared.settings import get_settings

_FIRST_PAGE = ("infinity", UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"))
STALE_PENDING_S = 60  # a message still 'pending' this long after its send began: the sender died, retry


def parse_id(raw: str) -> UUID:
    return parse_uuid(raw, "appeal id")


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
    appeal_uuid = parse_id(appeal_id)
    row = db.run(lambda conn: repo.detail(conn, session.tenant_id, appeal_uuid, session.operator_id))
    if row is None:
        raise NotFound("No such appeal.")
    for message in row.messages:
        for attachment in message.get("attachments") or ():
            attachment["url"] = media.signed_url(attachment["status"], attachment["storage_key"])
    return AppealDetailOut.model_validate(row, from_attributes=True)


# --- take and reject -------------------------------------------------------------------------


def _refusal(current: repo.AppealStateRow | None) -> Exception:
    """Why an appeal could not be changed, from its current state."""
    if current is None:
        return NotFound("No such appeal.")
    if current.status not in OPEN_STATUSES:
        return Conflict("appeal_closed", f"The appeal is {current.status}.")
    return Conflict("appeal_already_taken", "Another operator holds this appeal.")


def _announce_taken(conn: db.Connection, session: Session, appeal_id: UUID) -> None:
    data = {"type": "appeal_taken", "appeal_id": str(appeal_id), "operator_id": str(session.operator_id)}
    push.enqueue_for_tenant_mobiles(
        conn, session.tenant_id, "appeal_taken", data, except_operator_id=session.operator_id
    )


def take(session: Session, appeal_id: str) -> AppealOut:
    appeal_uuid = parse_id(appeal_id)

    def work(conn: db.Connection) -> repo.TakenAppealRow:
        row = repo.take(conn, session.tenant_id, appeal_uuid, session.operator_id)
        if row is None:
            raise _refusal(repo.state(conn, session.tenant_id, appeal_uuid))
        if row.newly_taken:
            _announce_taken(conn, session, appeal_uuid)
        return row

    row = db.run(work, transaction=True)
    logger.info("appeal taken", extra={"appeal_id": str(appeal_uuid), "newly": row.newly_taken})
    return AppealOut.model_validate(row, from_attributes=True)


def reject(session: Session, appeal_id: str, reason: str | None) -> AppealOut:
    appeal_uuid = parse_id(appeal_id)

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
    appeal_uuid = parse_id(appeal_id)
    sent = {name: getattr(request, name) for name in request.model_fields_set}

    def work(conn: db.Connection) -> dict[str, Any]:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        appeal_rules.ensure_not_held_by_another(session, appeal)
        values, cleared = clean_fields(sent, appeal.phone_region)
        return repo.normalize(conn, session.tenant_id, appeal_uuid, values, cleared)

    stored = db.run(work, transaction=True)
    logger.info("appeal normalized", extra={"appeal_id": str(appeal_uuid), "fields": sorted(sent)})
    return Normalized.model_validate(stored)


# --- response and promo ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Outgoing:
    message: repo.OutgoingMessageRow
    send: bool  # False: an earlier request with the same client_message_id already did (or is doing) it
    chat_id: int | None
    bot_token_ref: str | None
    client_id: UUID


def respond(session: Session, appeal_id: str, request: ResponseRequest) -> MessageResponse:
    appeal_uuid = parse_id(appeal_id)
    files = request.attachment_ids
    kind = uploads.check(session, files) if files else "text"
    answer = _send(session, appeal_uuid, kind, request.text or "", None, request.client_message_id, files)
    if files:
        answer.message.attachments = uploads.attachments_out(session, answer.message.id)
    return answer


def send_promo(session: Session, appeal_id: str, request: PromoRequest) -> MessageResponse:
    appeal_uuid = parse_id(appeal_id)
    promo = db.run(lambda conn: promos.find_active(conn, session.tenant_id, request.promo_id))
    if promo is None:
        raise NotFound("No such promo.")
    return _send(session, appeal_uuid, "promo", promo.text, promo.id, request.client_message_id)


def _send(
    session: Session,
    appeal_id: UUID,
    kind: str,
    text: str,
    promo_id: UUID | None,
    client_message_id: str | None,
    files: Sequence[UUID] = (),
) -> MessageResponse:
    """Record the message as pending (taking the appeal if unassigned) in one transaction, call
    Telegram outside it, then record the outcome: sent, or failed and 502."""

    def prepare(conn: db.Connection) -> _Outgoing:
        appeal = appeal_rules.locked(conn, session, appeal_id)
        target = (appeal.telegram_id, appeal.telegram_bot_token_ref, appeal.client_id)
        earlier = None
        if client_message_id is not None:
            earlier = repo.find_by_client_message_id(conn, session.tenant_id, appeal_id, client_message_id)
            if earlier is not None and earlier.delivery_status == "sent":
                return _Outgoing(earlier, False, *target)
        _ensure_caller_holds(conn, session, appeal)
        if not appeal.reachable:  # blocked the bot: refused without calling Telegram (and nothing recorded)
            raise ClientUnreachable()
        if earlier is not None:
            claimed = repo.claim_for_retry(conn, session.tenant_id, earlier.id, STALE_PENDING_S)
            return _Outgoing(claimed or earlier, claimed is not None, *target)
        message = repo.insert_outgoing(
            conn,
            tenant_id=session.tenant_id,
            appeal_id=appeal_id,
            operator_id=session.operator_id,
            kind=kind,
            text=text,
            promo_id=promo_id,
            client_message_id=client_message_id,
        )
        assert message is not None  # the appeal row lock serializes requests with one client_message_id
        if files:
            uploads.link(conn, session, message.id, files)
        return _Outgoing(message, True, *target)

    outgoing = db.run(prepare, transaction=True)
    message = outgoing.message
    if outgoing.send:
        message = _deliver(session, appeal_id, outgoing)
    return MessageResponse(appeal_id=appeal_id, message=MessageOut.model_validate(message, from_attributes=True))


def _ensure_caller_holds(conn: db.Connection, session: Session, appeal: repo.LockedAppealRow) -> None:
    appeal_rules.ensure_open_and_free(session, appeal)
    if appeal.assigned_operator_id is None:
        repo.assign(conn, session.tenant_id, appeal.id, session.operator_id)
        _announce_taken(conn, session, appeal.id)


def _deliver(session: Session, appeal_id: UUID, outgoing: _Outgoing) -> repo.OutgoingMessageRow:
    message = outgoing.message
    log = {"appeal_id": str(appeal_id), "message_id": str(message.id), "kind": message.kind}
    if get_settings().telegram_dry_run:
        logger.info("TELEGRAM_DRY_RUN: outgoing message logged, not sent", extra={**log, "chars": len(message.text)})
        telegram_message_id = None
    else:
        try:
            if outgoing.chat_id is None:
                metrics.telegram_failed("no_chat")
                raise ChannelUnavailable("The client cannot be reached over Telegram.")
            token = telegram_bot.bot_token(outgoing.bot_token_ref, str(session.tenant_id))
            telegram_message_id = _transmit(session, token, outgoing.chat_id, message)
        except ClientUnreachable:
            db.run(lambda conn: _blocked(conn, session, message.id, outgoing.client_id), transaction=True)
            logger.warning("outgoing message failed: the client blocked the bot", extra=log)
            raise
        except ChannelUnavailable:
            db.run(lambda conn: repo.mark_delivery(conn, session.tenant_id, message.id, "failed", None))
            logger.warning("outgoing message failed", extra=log)
            raise
    sent = db.run(lambda conn: repo.mark_delivery(conn, session.tenant_id, message.id, "sent", telegram_message_id))
    logger.info("outgoing message sent", extra=log)
    metrics.message_out()
    return sent


def _transmit(session: Session, token: str, chat_id: int, message: repo.OutgoingMessageRow) -> int:
    """The message over Telegram: its files (sendPhoto/sendDocument) or its text (sendMessage)."""
    if message.kind in uploads.FILE_KINDS:
        return uploads.send(session.tenant_id, token, chat_id, message.id, message.text)
    return telegram_bot.send_message(token, chat_id, message.text)


def _blocked(conn: db.Connection, session: Session, message_id: UUID, client_id: UUID) -> None:
    """Telegram answered 403: the message failed and the client is unreachable until they write again."""
    repo.mark_delivery(conn, session.tenant_id, message_id, "failed", None)
    clients.mark_reachable(conn, session.tenant_id, client_id, False)
