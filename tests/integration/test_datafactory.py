"""The data factory (devtools/datafactory.py) that the demo seed, the tests and the bench build
their rows with: what it builds reads through the API like what the API itself leaves behind."""

from __future__ import annotations

from typing import Any

import pytest

from devtools import datafactory
from tests.helpers import Api, Factory
from tests.integration.test_appeals_webhook import post, update

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
SHAPE = ("status", "preview", "assigned_operator_id", "unread_count", "last_message_preview", "closed_at")


def shape(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in SHAPE}


def test_an_appeal_from_the_factory_lists_like_one_the_webhook_opened(api: Api, factory: Factory) -> None:
    # Given one appeal opened by a client's message through the webhook and one built by the factory
    tenant = factory.tenant()
    token = api.login(factory.operator(tenant))
    assert post(api, tenant, update(1, 555001, "Нужен аккумулятор")).status == 200
    built = factory.appeal(tenant, text="Нужен аккумулятор")
    # When the operator lists them
    listed = {item["id"]: item for item in api.get(APPEALS, token=token).body["appeals"]}
    # Then both show the same status, preview, unread counter and activity
    assert len(listed) == 2
    opened = next(item for key, item in listed.items() if key != str(built))
    assert shape(listed[str(built)]) == shape(opened)
    assert shape(opened)["unread_count"] == 1 and shape(opened)["last_message_preview"] == "Нужен аккумулятор"


def test_activity_follows_the_last_client_or_operator_message_not_notes(api: Api, factory: Factory) -> None:
    # Given an appeal held by an operator: two client messages (the last one a contact), a reply and a note
    tenant = factory.tenant()
    op = factory.operator(tenant)
    token = api.login(op)
    messages = [
        datafactory.Message("in", "Нужен аккумулятор", age_min=10),
        datafactory.Message("out", "Есть Varta 60Ah", age_min=9),
        datafactory.Message(
            "in", "", kind="contact", age_min=8, contact={"phone": "+79161234567", "name": "Pavel", "own": True}
        ),
        datafactory.Message("note", "Call back tomorrow", age_min=1),
    ]
    appeal_id, _ = datafactory.appeal(
        factory.conn, tenant.id, factory.client(tenant), messages, status="in_progress", holder=op.id, age_min=10
    )
    # When the operator opens it
    detail = api.get(f"{APPEALS}/{appeal_id}", token=token).body["appeal"]
    # Then the last message is the contact (shown by its label, also as the appeal's preview), both
    # client messages are unread, the reply went out from the holder and the note stays internal
    assert detail["last_message_preview"] == detail["preview"] == "[contact]" and detail["unread_count"] == 2
    assert [(m["direction"], m["delivery_status"]) for m in detail["messages"]] == [
        ("in", "received"),
        ("out", "sent"),
        ("in", "received"),
        ("note", "internal"),
    ]
