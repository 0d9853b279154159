"""The rules every change to one appeal starts with, in one place for the appeal calls (take,
normalize), the answers (response, promo) and the lifecycle calls (close, release, transfer): lock
the appeal in the caller's tenant (404 otherwise), and refuse a closed or rejected one (409
``appeal_closed``) or one another operator holds (409 ``appeal_already_taken``); and the push that
tells the tenant's other phones an appeal was taken. An appeal id is parsed by
``parse_uuid(raw, "appeal id")`` everywhere (a malformed one is 404, as an unknown one)."""

from __future__ import annotations

from typing import NoReturn
from uuid import UUID

from shared import push
from shared.appeals import sql as repo
from shared.appeals.statuses import OPEN_STATUSES
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import Conflict, NotFound


def locked(conn: db.Connection, session: Session, appeal_id: UUID) -> repo.LockedAppealRow:
    """The appeal, locked for this transaction; 404 when the caller's tenant has no such appeal."""
    appeal = repo.lock_for_update(conn, session.tenant_id, appeal_id)
    if appeal is None:
        raise NotFound("No such appeal.")
    return appeal


def ensure_not_held_by_another(session: Session, appeal: repo.AppealStateRow | repo.LockedAppealRow) -> None:
    if appeal.assigned_operator_id not in (None, session.operator_id):
        raise Conflict("appeal_already_taken", "Another operator holds this appeal.")


def ensure_open_and_free(session: Session, appeal: repo.AppealStateRow | repo.LockedAppealRow) -> None:
    if appeal.status not in OPEN_STATUSES:
        raise Conflict("appeal_closed", f"The appeal is {appeal.status}.")
    ensure_not_held_by_another(session, appeal)


def refuse(session: Session, state: repo.AppealStateRow | None) -> NoReturn:
    """Raise why a conditional change (take, reject) changed nothing, from the appeal's state now."""
    if state is None:
        raise NotFound("No such appeal.")
    ensure_open_and_free(session, state)
    raise Conflict("appeal_already_taken", "Another operator holds this appeal.")  # it moved meanwhile


def announce_taken(conn: db.Connection, session: Session, appeal_id: UUID) -> None:
    data = {"type": "appeal_taken", "appeal_id": str(appeal_id), "operator_id": str(session.operator_id)}
    push.enqueue_for_tenant_mobiles(
        conn, session.tenant_id, "appeal_taken", data, except_operator_id=session.operator_id
    )
