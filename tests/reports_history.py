"""Writing a history of appeals at given times, as the webhook and the operator endpoints write
it (the same rows, so the same triggers record the same events): the report tests' controlled
clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from shared.auth.sessions import Session
from shared.core.settings import OperatorRole
from tests.helpers import Factory, Operator, Tenant


@contextmanager
def every_channel_allowed(factory: Factory) -> Iterator[None]:
    """Appeals of every channel can be stored: on a schema whose channel check allows only
    telegram, it is widened for the test and put back as it was afterwards."""
    row = factory.one(
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = 'appeals'::regclass AND conname = 'appeals_channel_check'"
    )
    narrow = "'vk'" not in row["def"]
    if narrow:
        factory.execute("ALTER TABLE appeals DROP CONSTRAINT appeals_channel_check")
        factory.execute(
            "ALTER TABLE appeals ADD CONSTRAINT appeals_channel_check CHECK (channel IN ('telegram', 'vk', 'max'))"
        )
    try:
        yield
    finally:
        if narrow:
            factory.execute("DELETE FROM appeals WHERE channel <> 'telegram'")
            factory.execute("ALTER TABLE appeals DROP CONSTRAINT appeals_channel_check")
            factory.execute(f"ALTER TABLE appeals ADD CONSTRAINT appeals_channel_check {row['def']}")


def session_of(op: Operator, role: OperatorRole = "owner") -> Session:
    """The session the service sees for ``op`` (an owner's, unless said otherwise)."""
    now = datetime.now(UTC)
    return Session(
        uuid.uuid4(), op.id, op.tenant_id, "desktop", op.name, op.login, now, now, now + timedelta(days=1), role
    )


class History:
    """Writes what the webhook and the operator endpoints write, at given times."""

    def __init__(self, factory: Factory, tenant: Tenant) -> None:
        self.f = factory
        self.tenant = tenant

    def opens(self, at: datetime, *, name: str, channel: str = "telegram") -> uuid.UUID:
        client = self.f.client(self.tenant, name=name)
        row = self.f.one(
            "INSERT INTO appeals (tenant_id, client_id, channel, preview, in_seq, last_message_at, created_at,"
            " updated_at) VALUES (%s, %s, %s, 'hello', 1, %s, %s, %s) RETURNING id",
            self.tenant.id,
            client,
            channel,
            at,
            at,
            at,
        )
        appeal = uuid.UUID(str(row["id"]))
        self._message(appeal, "in", at)
        return appeal

    def writes(self, appeal: uuid.UUID, at: datetime) -> None:
        """The client writes again: into the open appeal, or reopening a closed one (the webhook's
        reopen: back to its holder, or new)."""
        self.f.execute(
            "UPDATE appeals SET status = CASE WHEN assigned_operator_id IS NULL THEN 'new' ELSE 'in_progress' END,"
            " closed_at = NULL, last_message_at = %s, updated_at = %s WHERE id = %s AND status = 'closed'",
            at,
            at,
            appeal,
        )
        self._message(appeal, "in", at)

    def _message(self, appeal: uuid.UUID, direction: str, at: datetime, op: Operator | None = None) -> None:
        status = {"in": "received", "out": "sent", "note": "internal"}[direction]
        self.f.execute(
            "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, operator_id, delivery_status,"
            " created_at, updated_at) VALUES (%s, %s, %s, 'text', %s, %s, %s, %s)",
            self.tenant.id,
            appeal,
            direction,
            op.id if op else None,
            status,
            at,
            at,
        )

    def answers(self, appeal: uuid.UUID, op: Operator, at: datetime, *, promo: bool = False) -> None:
        self.f.execute(
            "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, kind, text, operator_id, delivery_status,"
            " created_at, updated_at) VALUES (%s, %s, 'out', %s, 'answer', %s, 'sent', %s, %s)",
            self.tenant.id,
            appeal,
            "promo" if promo else "text",
            op.id,
            at,
            at,
        )

    def notes(self, appeal: uuid.UUID, op: Operator, at: datetime) -> None:
        self._message(appeal, "note", at, op)

    def takes(self, appeal: uuid.UUID, op: Operator, at: datetime) -> None:
        self.f.execute(
            "UPDATE appeals SET assigned_operator_id = %s, status = 'in_progress', updated_at = %s WHERE id = %s",
            op.id,
            at,
            appeal,
        )

    transfers = takes  # the transfer's UPDATE is the take's: another holder, in_progress

    def closes(self, appeal: uuid.UUID, at: datetime) -> None:
        self.f.execute(
            "UPDATE appeals SET status = 'closed', closed_at = %s, updated_at = %s WHERE id = %s", at, at, appeal
        )

    def rejects(self, appeal: uuid.UUID, op: Operator, at: datetime) -> None:
        self.f.execute(
            "UPDATE appeals SET status = 'rejected', assigned_operator_id = %s, updated_at = %s WHERE id = %s",
            op.id,
            at,
            appeal,
        )
