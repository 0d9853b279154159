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

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from shared.core import db, jobs
from shared.core.settings import get_settings
from shared.push import outbox_sql as push_outbox
from shared.push.dispatcher import dispatch
from shared.push.types import SENT, Outcome, PushMessage, Sender

__all__ = [
    "SENT",
    "Outcome",
    "PushMessage",
    "Sender",
    "dispatch",
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
    settings = get_settings()
    queued = push_outbox.enqueue_for_tenant_mobiles(
        conn,
        tenant_id,
        kind,
        data,
        except_operator_id,
        idle_mobile=settings.idle_lifetime("mobile"),
        idle_desktop=settings.idle_lifetime("desktop"),
    )
    return _kick_after_commit(queued)


def enqueue_for_operator_sessions(
    conn: db.Connection, tenant_id: UUID, operator_id: UUID, kind: str, data: dict[str, Any], except_session_id: UUID
) -> int:
    """Queue ``kind`` for the operator's live sessions with an FCM token but ``except_session_id``."""
    settings = get_settings()
    queued = push_outbox.enqueue_for_operator_sessions(
        conn,
        tenant_id,
        operator_id,
        kind,
        data,
        except_session_id,
        idle_mobile=settings.idle_lifetime("mobile"),
        idle_desktop=settings.idle_lifetime("desktop"),
    )
    return _kick_after_commit(queued)


def enqueue_for_operator_mobiles(
    conn: db.Connection, tenant_id: UUID, operator_id: UUID, kind: str, data: dict[str, Any]
) -> int:
    """Queue ``kind`` for every live mobile session of one operator with an FCM token."""
    settings = get_settings()
    queued = push_outbox.enqueue_for_operator_mobiles(
        conn,
        tenant_id,
        operator_id,
        kind,
        data,
        idle_mobile=settings.idle_lifetime("mobile"),
        idle_desktop=settings.idle_lifetime("desktop"),
    )
    return _kick_after_commit(queued)
