"""What the channels' end-to-end tests share: an appeal of a client on a channel, an operator's
answer to it, the one appeal's detail, and how often a delivery's body is parsed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from uuid import UUID

from tests.helpers import Api, Factory, Operator, Reply, Tenant

APPEALS = "/webhook/api/operator/appeals"
ANSWER = "Есть, 7 900 ₽"


def channel_appeal(
    factory: Factory, tenant: Tenant, channel: str, external_id: str, name: str, preview: str, phone: str | None = None
) -> UUID:
    """A new appeal of a client (created here) on ``channel``."""
    client = factory.one(
        "INSERT INTO clients (tenant_id, channel, external_id, name, phone) VALUES (%s, %s, %s, %s, %s) RETURNING id",
        tenant.id,
        channel,
        external_id,
        name,
        phone,
    )["id"]
    appeal = factory.one(
        "INSERT INTO appeals (tenant_id, client_id, channel, preview) VALUES (%s, %s, %s, %s) RETURNING id",
        tenant.id,
        client,
        channel,
        preview,
    )["id"]
    return UUID(str(appeal))


def answer(api: Api, op: Operator, appeal: UUID, text: str = ANSWER, **body: Any) -> Reply:
    return api.post(f"{APPEALS}/{appeal}/response", {"text": text, **body}, token=api.login(op))


def only_appeal(api: Api, token: str) -> dict[str, Any]:
    [appeal] = api.get(APPEALS, token=token).body["appeals"]
    detail: dict[str, Any] = api.get(f"{APPEALS}/{appeal['id']}", token=token).body["appeal"]
    return detail


@contextmanager
def parses_of(body: Any) -> Iterator[list[str]]:
    """Every ``json.loads`` of ``body`` sent as JSON (as ``Api.post`` sends it) within the block."""
    sent, parsed = json.dumps(body), []
    loads = json.loads

    def counting(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.extend([sent] if text in (sent, sent.encode()) else [])
        return loads(text, *args, **kwargs)

    with mock.patch.object(json, "loads", counting):
        yield parsed
