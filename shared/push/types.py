"""What the dispatcher hands a sender and gets back: ``PushMessage``, ``Outcome``, the ``Sender``
protocol (the FCM sender in ``shared.push.fcm``, a logging one without credentials, fakes in tests)."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from shared.core.records import Record


class PushMessage(Record):
    outbox_id: int
    kind: str
    token: str
    data: dict[str, str]
    session_id: UUID | None


class Outcome(Record):
    """How one message fared. ``error`` is a short description without token or payload."""

    ok: bool
    error: str | None = None
    token_invalid: bool = False  # FCM will never accept this token again: forget it, don't retry


SENT = Outcome(ok=True)


class Sender(Protocol):
    def send(self, messages: Sequence[PushMessage]) -> list[Outcome]:
        """One outcome per message, in order; at most 500 messages per call."""
        ...
