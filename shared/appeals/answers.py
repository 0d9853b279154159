"""Answers to the client over the appeal's channel: an operator's response (text, or files uploaded
first) and promos. The caller must hold the appeal; an unassigned one is taken first
(``appeal_rules``). What the channel cannot send is refused first (409 ``channel_cannot``).

Apart from ``shared.appeals.listing`` so that the functions that only read or assign appeals do not import
the channels and the uploads.
"""

from collections.abc import Sequence
from uuid import UUID

from shared.appeals import clients_sql as clients
from shared.appeals import rules as appeal_rules
from shared.appeals import sql as repo
from shared.appeals.message_models import MessageOut, MessageResponse, PromoRequest, ResponseRequest
from shared.auth.sessions import Session
from shared.channels import outgoing as channel_rules
from shared.channels import registry
from shared.channels.accounts import AccountRow, account_of
from shared.channels.base import SendError
from shared.core import db, metrics
from shared.core.errors import ChannelUnavailable, ClientUnreachable, NotFound, parse_uuid
from shared.core.observability import logger
from shared.core.records import Record
from shared.core.settings import get_settings
from shared.media import uploads
from shared.team import promos_sql as promos

STALE_PENDING_S = 60  # a message still 'pending' this long after its send began: the sender died, retry


class _Outgoing(Record):
    message: repo.MessageRow
    send: bool  # False: an earlier request with the same client_message_id already did (or is doing) it
    appeal: repo.LockedAppealRow  # the channel, the client's id there, the tenant's account


def respond(session: Session, appeal_id: str, request: ResponseRequest) -> MessageResponse:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    files = request.attachment_ids
    kind = uploads.check(session, files) if files else "text"
    answer = _send(session, appeal_uuid, kind, request.text or "", None, request.client_message_id, files)
    if files:
        answer.message.attachments = uploads.attachments_out(session, answer.message.id)
    return answer


def send_promo(session: Session, appeal_id: str, request: PromoRequest) -> MessageResponse:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
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
    the channel outside it, then record the outcome: sent, or failed and 502."""

    def prepare(conn: db.Connection) -> _Outgoing:
        appeal = appeal_rules.locked(conn, session, appeal_id)
        earlier = None
        if client_message_id is not None:
            earlier = repo.find_by_client_message_id(conn, session.tenant_id, appeal_id, client_message_id)
            if earlier is not None and earlier.delivery_status == "sent":
                return _Outgoing(earlier, False, appeal)
        _ensure_caller_holds(conn, session, appeal)
        if not appeal.reachable:  # blocked the shop: refused without calling the channel (and nothing recorded)
            raise ClientUnreachable()
        channel_rules.check(appeal.channel, kind, text)
        if earlier is not None:
            claimed = repo.claim_for_retry(conn, session.tenant_id, earlier.id, STALE_PENDING_S)
            return _Outgoing(claimed or earlier, claimed is not None, appeal)
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
        return _Outgoing(message, True, appeal)

    outgoing = db.run(prepare, transaction=True)
    message = outgoing.message
    if outgoing.send:
        message = _deliver(session, appeal_id, outgoing)
    return MessageResponse(appeal_id=appeal_id, message=MessageOut.model_validate(message, from_attributes=True))


def _ensure_caller_holds(conn: db.Connection, session: Session, appeal: repo.LockedAppealRow) -> None:
    appeal_rules.ensure_open_and_free(session, appeal)
    if appeal.assigned_operator_id is None:
        repo.assign(conn, session.tenant_id, appeal.id, session.operator_id)
        appeal_rules.announce_taken(conn, session, appeal.id)


def _deliver(session: Session, appeal_id: UUID, outgoing: _Outgoing) -> repo.MessageRow:
    message, appeal = outgoing.message, outgoing.appeal
    log = {"appeal_id": str(appeal_id), "message_id": str(message.id), "kind": message.kind, "channel": appeal.channel}
    if get_settings().telegram_dry_run:
        logger.info("TELEGRAM_DRY_RUN: outgoing message logged, not sent", extra={**log, "chars": len(message.text)})
        external_message_id = None
    else:
        try:
            external_message_id = _transmit(session, appeal, message)
        except SendError as exc:
            error = channel_rules.api_error(exc)
            if isinstance(error, ClientUnreachable):
                db.run(lambda conn: _blocked(conn, session, message.id, appeal.client_id), transaction=True)
                logger.warning(
                    "outgoing message failed: the client blocked the bot (or never allowed messages)", extra=log
                )
            else:
                db.run(lambda conn: repo.mark_delivery(conn, session.tenant_id, message.id, "failed", None))
                logger.warning("outgoing message failed", extra={**log, "error": type(exc).__name__})
            raise error from None
        except ChannelUnavailable:  # the attachment store, before the channel was called
            db.run(lambda conn: repo.mark_delivery(conn, session.tenant_id, message.id, "failed", None))
            logger.warning("outgoing message failed", extra=log)
            raise
    sent = db.run(lambda conn: repo.mark_delivery(conn, session.tenant_id, message.id, "sent", external_message_id))
    logger.info("outgoing message sent", extra=log)
    metrics.message_out()
    return sent


def _transmit(session: Session, appeal: repo.LockedAppealRow, message: repo.MessageRow) -> str:
    """The message over the appeal's channel: its files, or its text."""
    if appeal.external_id is None:
        raise ChannelUnavailable("The client cannot be reached over this channel.")
    channel = registry.get(appeal.channel)
    account = account_of(
        AccountRow(session.tenant_id, appeal.slug, appeal.channel, None, appeal.token_ref, appeal.settings,
                   appeal.phone_region, None)
    )  # fmt: skip
    if message.kind in uploads.FILE_KINDS:
        return uploads.send(session.tenant_id, channel, account, appeal.external_id, message.id, message.text)
    return channel.send_text(account, appeal.external_id, message.text, str(message.id))


def _blocked(conn: db.Connection, session: Session, message_id: UUID, client_id: UUID) -> None:
    """The channel says the client cannot be written to: the message failed and the client is
    unreachable until they write again."""
    repo.mark_delivery(conn, session.tenant_id, message_id, "failed", None)
    clients.mark_reachable(conn, session.tenant_id, client_id, False)
