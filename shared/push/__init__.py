"""Pushes to the operators' devices (FCM), in one package:

- here, what services call: queue a push inside their unit of work (a row per device in the push
  outbox, written in the causing transaction) and the dispatcher is kicked once it commits;
- ``dispatcher``: the loop the push dispatcher function runs (claim due rows, send, mark);
- ``fcm``: the FCM HTTP v1 sender, imported only on the dispatcher's path (never by an API
  function: its google-auth and requests cost ~90 ms of import);
- ``types``: ``PushMessage``, ``Outcome``, ``Sender``.

The SQL lives in ``shared.push.outbox_sql``, which imports nothing from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, LiteralString
from uuid import UUID

from shared.core import db, jobs
from shared.core.settings import get_settings
from shared.core.sql import live_session_params
from shared.push import outbox_sql as push_outbox
from shared.push.types import SENT, Outcome, PushMessage, Sender

__all__ = [
    "SENT",
    "Outcome",
    "PushMessage",
    "Sender",
    "enqueue",
    "enqueue_for_operator_mobiles",
    "enqueue_for_operator_sessions",
    "enqueue_for_tenant_mobiles",
    "kick",
    "set_local_kicker",
]

Kicker = Callable[[], None]


def set_local_kicker(kicker: Kicker | None) -> None:
    """Route kicks to an in-process dispatcher (``make run``'s background worker, tests)."""
    jobs.set_local_kicker("push", kicker)


def kick() -> None:
    """Wake the dispatcher now. In AWS: an asynchronous invoke of the dispatcher function;
    locally: the registered in-process worker; otherwise nothing (the schedule still runs).
    Never raises: the change that queued the push is already committed."""
    jobs.kick("push")


def _kick_after_commit(queued: int) -> int:
    if queued:
        db.after_commit(kick)
    return queued


def enqueue(
    conn: db.Connection, tenant_id: UUID, kind: str, data: dict[str, Any], targets: Iterable[tuple[str, UUID | None]]
) -> int:
    """Queue ``kind`` with ``data`` for every (fcm_token, session_id) target; returns the count."""
    return _kick_after_commit(push_outbox.enqueue(conn, tenant_id, kind, data, targets))


def enqueue_for_tenant_mobiles(
    conn: db.Connection, tenant_id: UUID, kind: str, data: dict[str, Any], except_operator_id: UUID | None = None
) -> int:
    """Queue ``kind`` for every live mobile session of the tenant with an FCM token (but those of
    ``except_operator_id``); returns how many rows were queued."""
    who = {"tenant_id": tenant_id, "except_operator_id": except_operator_id}
    return _fan_out(conn, push_outbox.ENQUEUE_FOR_TENANT_MOBILES, kind, data, who)


def enqueue_for_operator_sessions(
    conn: db.Connection, tenant_id: UUID, operator_id: UUID, kind: str, data: dict[str, Any], except_session_id: UUID
) -> int:
    """Queue ``kind`` for the operator's live sessions with an FCM token but ``except_session_id``
    (a session idle longer than its device type's idle lifetime is not live)."""
    who = {"tenant_id": tenant_id, "operator_id": operator_id, "except_session_id": except_session_id}
    return _fan_out(conn, push_outbox.ENQUEUE_FOR_OPERATOR_SESSIONS, kind, data, who)


def enqueue_for_operator_mobiles(
    conn: db.Connection, tenant_id: UUID, operator_id: UUID, kind: str, data: dict[str, Any]
) -> int:
    """Queue ``kind`` for every live mobile session of one operator with an FCM token."""
    who = {"tenant_id": tenant_id, "operator_id": operator_id}
    return _fan_out(conn, push_outbox.ENQUEUE_FOR_OPERATOR_MOBILES, kind, data, who)


def _fan_out(
    conn: db.Connection, query: LiteralString, kind: str, data: dict[str, Any], who: Mapping[str, UUID | None]
) -> int:
    live = live_session_params(get_settings())
    return _kick_after_commit(push_outbox.fan_out(conn, query, kind, data, live, **who))
