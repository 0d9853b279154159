"""The appeal lifecycle: close, release, transfer and read marks (notes: ``shared.appeals.notes``).

Each call is one transaction that first locks the appeal row (``FOR UPDATE``), so two operators
acting on one appeal at once are applied one after the other, the second seeing the first's
outcome. Rules (API.md):

- close: the holder, or anyone when unassigned; closing a closed appeal again is a no-op, a
  rejected one is 409 ``appeal_closed``;
- release: the holder (an unassigned open appeal: nothing to do); back to ``new``, push
  ``appeal_released`` to the tenant's other mobile sessions;
- transfer: the holder, or anyone when unassigned, to an active operator of the same tenant (404
  otherwise); push ``appeal_assigned`` to the new holder's mobile sessions;
- read marks (and notes, in ``shared.appeals.notes``): any operator of the tenant, whatever the
  appeal's state or holder.

Someone else holding it is 409 ``appeal_already_taken``; a closed or rejected appeal is 409
``appeal_closed``. An appeal or operator of another tenant is 404.
"""

from __future__ import annotations

from uuid import UUID

from shared import push
from shared.appeals import lifecycle_sql as repo
from shared.appeals import rules as appeal_rules
from shared.appeals import sql as appeals_repo
from shared.appeals.lifecycle_models import CloseRequest, ReadRequest, TransferRequest
from shared.appeals.models import AppealOut, appeal_out
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import NotFound, parse_uuid
from shared.core.observability import logger


def _out(conn: db.Connection, session: Session, appeal_id: UUID) -> AppealOut:
    row = appeals_repo.appeal_out(conn, session.tenant_id, appeal_id, session.operator_id)
    assert row is not None
    return appeal_out(row)


def close(session: Session, appeal_id: str, request: CloseRequest | None) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    resolution = (request.resolution if request else None) or None

    def work(conn: db.Connection) -> AppealOut:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        if appeal.status != "closed":
            appeal_rules.ensure_open_and_free(session, appeal)
            repo.close(conn, session.tenant_id, appeal_uuid, resolution)
        return _out(conn, session, appeal_uuid)

    out = db.run(work, transaction=True)
    logger.info("appeal closed", extra={"appeal_id": str(appeal_uuid)})
    return out


def release(session: Session, appeal_id: str) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")

    def work(conn: db.Connection) -> AppealOut:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        appeal_rules.ensure_open_and_free(session, appeal)
        if appeal.assigned_operator_id is not None:
            repo.release(conn, session.tenant_id, appeal_uuid)
            data = {"type": "appeal_released", "appeal_id": str(appeal_uuid)}
            push.enqueue_for_tenant_mobiles(
                conn, session.tenant_id, "appeal_released", data, except_operator_id=session.operator_id
            )
        return _out(conn, session, appeal_uuid)

    out = db.run(work, transaction=True)
    logger.info("appeal released", extra={"appeal_id": str(appeal_uuid)})
    return out


def transfer(session: Session, appeal_id: str, request: TransferRequest) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    target = request.operator_id

    def work(conn: db.Connection) -> AppealOut:
        appeal = appeal_rules.locked(conn, session, appeal_uuid)
        if not repo.is_active_operator(conn, session.tenant_id, target):
            raise NotFound("No such operator.")
        appeal_rules.ensure_open_and_free(session, appeal)
        if appeal.assigned_operator_id != target:
            repo.transfer(conn, session.tenant_id, appeal_uuid, target)
            if target != session.operator_id:
                data = {
                    "type": "appeal_assigned",
                    "appeal_id": str(appeal_uuid),
                    "from_operator_id": str(session.operator_id),
                }
                push.enqueue_for_operator_mobiles(conn, session.tenant_id, target, "appeal_assigned", data)
        return _out(conn, session, appeal_uuid)

    out = db.run(work, transaction=True)
    logger.info("appeal transferred", extra={"appeal_id": str(appeal_uuid), "to_operator_id": str(target)})
    return out


def mark_read(session: Session, appeal_id: str, request: ReadRequest | None) -> AppealOut:
    appeal_uuid = parse_uuid(appeal_id, "appeal id")
    message_id = request.message_id if request else None

    def work(conn: db.Connection) -> AppealOut:
        appeal_rules.locked(conn, session, appeal_uuid)
        seq = None
        if message_id is not None:
            seq = repo.seq_at_message(conn, session.tenant_id, appeal_uuid, message_id)
            if seq is None:
                raise NotFound("No such message in this appeal.")
        repo.set_read_mark(conn, session.tenant_id, appeal_uuid, session.operator_id, seq)
        return _out(conn, session, appeal_uuid)

    return db.run(work, transaction=True)
