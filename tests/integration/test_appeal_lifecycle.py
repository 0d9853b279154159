"""The appeal lifecycle over HTTP: close, release, transfer, notes, read marks and unread counts,
with API.md's 409 rules, tenant scoping, pushes, and races between operators."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import pytest

from tests.helpers import Api, Factory, Operator, Tenant, at_once

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"


def with_phone(api: Api, op: Operator, fcm: str) -> str:
    token = api.login(op, "mobile")
    assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=token).status == 200
    return token


def pushes(factory: Factory, tenant: Tenant, kind: str) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT fcm_token, data FROM push_outbox WHERE tenant_id = %s AND kind = %s ORDER BY id", tenant.id, kind
    )


def appeal_row(factory: Factory, appeal: uuid.UUID) -> dict[str, Any]:
    return factory.one(
        "SELECT status, assigned_operator_id, closed_at IS NOT NULL AS closed, resolution FROM appeals WHERE id = %s",
        appeal,
    )


def incoming(factory: Factory, tenant: Tenant, appeal: uuid.UUID, text: str) -> uuid.UUID:
    """A client message as the webhook stores it (the message, then the appeal's activity)."""
    from shared.appeals import sql as repo

    row = factory.one(
        "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status) "
        "VALUES (%s, %s, 'in', %s, 'received') RETURNING id",
        tenant.id,
        appeal,
        text,
    )
    repo.record_activity(factory.conn, tenant.id, row["id"])
    return uuid.UUID(str(row["id"]))


# --- close ---------------------------------------------------------------------------------


def test_the_holder_closes_with_a_resolution_and_closing_again_is_200(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    appeal = factory.appeal(tenant, status="in_progress", operator=anna)
    token = api.login(anna)
    reply = api.post(f"{APPEALS}/{appeal}/close", {"resolution": "  Sold a Varta 60Ah "}, token=token)
    assert reply.status == 200 and reply.body["success"] is True
    out = reply.body["appeal"]
    assert out["status"] == "closed" and out["closed_at"] is not None and out["assigned_operator_id"] == str(anna.id)
    assert appeal_row(factory, appeal) == {
        "status": "closed",
        "assigned_operator_id": anna.id,
        "closed": True,
        "resolution": "Sold a Varta 60Ah",
    }
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert detail["resolution"] == "Sold a Varta 60Ah" and detail["closed_at"] == out["closed_at"]
    # Closing again (without a body) is 200 and changes nothing
    again = api.post(f"{APPEALS}/{appeal}/close", token=token)
    assert again.status == 200 and again.body["appeal"]["closed_at"] == out["closed_at"]
    assert appeal_row(factory, appeal)["resolution"] == "Sold a Varta 60Ah"


def test_anyone_closes_an_unassigned_appeal_but_not_someone_elses_nor_a_rejected_one(
    api: Api, factory: Factory
) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    unassigned = factory.appeal(tenant)
    borises = factory.appeal(tenant, status="in_progress", operator=boris)
    rejected = factory.appeal(tenant, status="rejected", operator=anna)
    token = api.login(anna)
    assert api.post(f"{APPEALS}/{unassigned}/close", token=token).body["appeal"]["status"] == "closed"
    assert appeal_row(factory, unassigned)["assigned_operator_id"] is None
    reply = api.post(f"{APPEALS}/{borises}/close", token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    reply = api.post(f"{APPEALS}/{rejected}/close", token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_closed")
    assert appeal_row(factory, borises)["status"] == "in_progress"
    assert appeal_row(factory, rejected)["status"] == "rejected"


def test_a_closed_appeal_refuses_answers_take_release_and_transfer(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant, status="closed", operator=anna)
    token = api.login(anna)
    for path, body in (("take", None), ("release", None), ("transfer", {"operator_id": str(boris.id)})):
        reply = api.post(f"{APPEALS}/{appeal}/{path}", body, token=token)
        assert (reply.status, reply.error_code) == (409, "appeal_closed"), path
    reply = api.post(f"{APPEALS}/{appeal}/response", {"text": "Hello"}, token=token)
    assert (reply.status, reply.error_code) == (409, "appeal_closed")
    # ...but notes and read marks are fine
    assert api.post(f"{APPEALS}/{appeal}/notes", {"text": "Paid in cash"}, token=token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/read", token=token).status == 200


# --- release -------------------------------------------------------------------------------


def test_release_gives_the_appeal_back_and_tells_the_other_phones(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris, carl = factory.operator(tenant), factory.operator(tenant), factory.operator(tenant)
    anna_phone = with_phone(api, anna, f"fcm-anna-{tenant.slug}")
    with_phone(api, boris, f"fcm-boris-{tenant.slug}")
    appeal = factory.appeal(tenant, status="in_progress", operator=anna)
    carl_token = api.login(carl, "desktop")
    # Carl cannot release Anna's appeal
    reply = api.post(f"{APPEALS}/{appeal}/release", token=carl_token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    # Anna can: it is new and unassigned again
    reply = api.post(f"{APPEALS}/{appeal}/release", token=anna_phone)
    assert reply.status == 200
    assert reply.body["appeal"]["status"] == "new" and reply.body["appeal"]["assigned_operator_id"] is None
    assert appeal_row(factory, appeal)["assigned_operator_id"] is None
    # Boris's phone is told (not Anna's own)
    assert pushes(factory, tenant, "appeal_released") == [
        {"fcm_token": f"fcm-boris-{tenant.slug}", "data": {"type": "appeal_released", "appeal_id": str(appeal)}}
    ]
    # Releasing an unassigned appeal changes nothing and pushes nothing
    assert api.post(f"{APPEALS}/{appeal}/release", token=carl_token).status == 200
    assert len(pushes(factory, tenant, "appeal_released")) == 1


# --- transfer ------------------------------------------------------------------------------


def test_transfer_hands_the_appeal_to_a_colleague_and_pushes_to_them(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris, carl = factory.operator(tenant), factory.operator(tenant), factory.operator(tenant)
    anna_token = with_phone(api, anna, f"fcm-anna-{tenant.slug}")
    with_phone(api, boris, f"fcm-boris-{tenant.slug}")
    with_phone(api, carl, f"fcm-carl-{tenant.slug}")
    appeal = factory.appeal(tenant, status="in_progress", operator=anna)
    reply = api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(boris.id)}, token=anna_token)
    assert reply.status == 200
    assert reply.body["appeal"]["assigned_operator_id"] == str(boris.id)
    assert reply.body["appeal"]["status"] == "in_progress"
    assert pushes(factory, tenant, "appeal_assigned") == [
        {
            "fcm_token": f"fcm-boris-{tenant.slug}",
            "data": {"type": "appeal_assigned", "appeal_id": str(appeal), "from_operator_id": str(anna.id)},
        }
    ]
    # Anna no longer holds it: she cannot transfer it again
    reply = api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(carl.id)}, token=anna_token)
    assert (reply.status, reply.error_code) == (409, "appeal_already_taken")
    # An unassigned appeal can be handed over by anyone
    fresh = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{fresh}/transfer", {"operator_id": str(carl.id)}, token=anna_token)
    assert reply.status == 200 and appeal_row(factory, fresh)["assigned_operator_id"] == carl.id


def test_transfer_to_another_tenants_or_a_disabled_or_unknown_operator_is_404(api: Api, factory: Factory) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    anna = factory.operator(tenant)
    disabled = factory.operator(tenant, is_active=False)
    stranger = factory.operator(other)
    appeal = factory.appeal(tenant, status="in_progress", operator=anna)
    token = api.login(anna)
    for target in (disabled.id, stranger.id, uuid.uuid4()):
        reply = api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(target)}, token=token)
        assert (reply.status, reply.error_code) == (404, "not_found")
    assert appeal_row(factory, appeal)["assigned_operator_id"] == anna.id
    for body in ({}, {"operator_id": "not-a-uuid"}, {"operator_id": None}):
        reply = api.post(f"{APPEALS}/{appeal}/transfer", body, token=token)
        assert (reply.status, reply.error_code) == (400, "invalid_request")
        assert "operator_id" in reply.body["error"]["message"]


# --- notes ---------------------------------------------------------------------------------


def test_notes_are_shown_in_the_detail_never_sent_and_do_not_count_as_activity(
    api: Api, factory: Factory, fake_telegram: Any
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant)
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant, status="in_progress", operator=anna, text="Need a battery")
    token = api.login(boris)  # not the holder: notes are for any operator of the tenant
    before = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    reply = api.post(f"{APPEALS}/{appeal}/notes", {"text": "Client prefers Bosch"}, token=token)
    assert reply.status == 200
    note = reply.body["message"]
    assert note["direction"] == "note" and note["text"] == "Client prefers Bosch"
    assert note["operator_id"] == str(boris.id) and note["delivery_status"] == "internal"
    detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert [(m["direction"], m["text"]) for m in detail["messages"]] == [
        ("in", "Need a battery"),
        ("note", "Client prefers Bosch"),
    ]
    assert detail["last_message_preview"] == "Need a battery"
    assert detail["last_message_at"] == before["last_message_at"]
    assert fake_telegram.sent_messages() == []


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 4097}, {"text": 5}])
def test_bad_notes_are_400_naming_the_field(api: Api, factory: Factory, body: dict[str, Any]) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    appeal = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{appeal}/notes", body, token=api.login(anna))
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert "text" in reply.body["error"]["message"]
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE appeal_id = %s", appeal)["n"] == 1


def test_a_note_of_4096_characters_is_fine(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    appeal = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{appeal}/notes", {"text": "я" * 4096}, token=api.login(factory.operator(tenant)))
    assert reply.status == 200 and len(reply.body["message"]["text"]) == 4096


def test_a_too_long_resolution_is_400(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    appeal = factory.appeal(tenant)
    reply = api.post(f"{APPEALS}/{appeal}/close", {"resolution": "x" * 1001}, token=api.login(factory.operator(tenant)))
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert "resolution" in reply.body["error"]["message"]
    assert appeal_row(factory, appeal)["status"] == "new"


# --- read marks and unread counts ----------------------------------------------------------


def test_unread_counts_the_clients_messages_after_each_operators_read_mark(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    appeal = factory.appeal(tenant, text="first")
    second = incoming(factory, tenant, appeal, "second")
    incoming(factory, tenant, appeal, "third")
    anna_token, boris_token = api.login(anna), api.login(boris)

    def unread(token: str) -> int:
        listed = api.get(APPEALS, token=token).body["appeals"]
        detail = api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
        assert listed[0]["unread_count"] == detail["unread_count"]
        return int(listed[0]["unread_count"])

    assert unread(anna_token) == 3 and unread(boris_token) == 3
    # Anna reads up to the second message; Boris reads everything
    reply = api.post(f"{APPEALS}/{appeal}/read", {"message_id": str(second)}, token=anna_token)
    assert reply.status == 200 and reply.body["appeal"]["unread_count"] == 1
    assert api.post(f"{APPEALS}/{appeal}/read", token=boris_token).body["appeal"]["unread_count"] == 0
    assert unread(anna_token) == 1 and unread(boris_token) == 0
    # The operator's own answers and notes do not count; the client's next message does
    api.post(f"{APPEALS}/{appeal}/notes", {"text": "calling back"}, token=boris_token)
    incoming(factory, tenant, appeal, "fourth")
    assert unread(anna_token) == 2 and unread(boris_token) == 1
    listed = api.get(APPEALS, token=anna_token).body["appeals"][0]
    assert listed["last_message_preview"] == "fourth"


def test_read_with_a_message_of_another_appeal_or_tenant_is_404(api: Api, factory: Factory) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    appeal, elsewhere = factory.appeal(tenant), factory.appeal(tenant)
    foreign = factory.appeal(other)
    foreign_message = incoming(factory, other, foreign, "hi")
    elsewhere_message = incoming(factory, tenant, elsewhere, "hi")
    token = api.login(factory.operator(tenant))
    for message_id in (foreign_message, elsewhere_message, uuid.uuid4()):
        reply = api.post(f"{APPEALS}/{appeal}/read", {"message_id": str(message_id)}, token=token)
        assert (reply.status, reply.error_code) == (404, "not_found")
    reply = api.post(f"{APPEALS}/{appeal}/read", {"message_id": "nope"}, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request") and "message_id" in reply.body["error"][
        "message"
    ]


# --- tenant scoping and ids ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("close", None),
        ("release", None),
        ("transfer", "TARGET"),
        ("notes", {"text": "hi"}),
        ("read", None),
    ],
)
def test_another_tenants_appeal_is_404_and_a_malformed_id_400(api: Api, factory: Factory, path: str, body: Any) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    anna = factory.operator(tenant)
    colleague = factory.operator(tenant)
    foreign = factory.appeal(other)
    token = api.login(anna)
    payload = {"operator_id": str(colleague.id)} if body == "TARGET" else body
    reply = api.post(f"{APPEALS}/{foreign}/{path}", payload, token=token)
    assert (reply.status, reply.error_code) == (404, "not_found")
    reply = api.post(f"{APPEALS}/not-a-uuid/{path}", payload, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert factory.one("SELECT status FROM appeals WHERE id = %s", foreign)["status"] == "new"
    assert api.post(f"{APPEALS}/{foreign}/{path}", payload).status == 401


# --- races ---------------------------------------------------------------------------------


def test_two_operators_closing_and_taking_at_once_leave_one_consistent_state(http_api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    ops = [factory.operator(tenant) for _ in range(4)]
    tokens = [http_api.login(op) for op in ops]
    for _ in range(3):
        appeal = factory.appeal(tenant)
        calls = [("close", 0), ("close", 1), ("take", 2), ("take", 3)]
        replies = at_once(
            [functools.partial(http_api.post, f"{APPEALS}/{appeal}/{action}", token=tokens[i]) for action, i in calls]
        )
        assert all(r.status < 500 for r in replies), [r.body for r in replies]
        row = appeal_row(factory, appeal)
        takes = [r for r in replies[2:] if r.status == 200]
        if row["status"] == "closed":
            # closed first (both closes 200), or taken and then closed by... nobody else may close it
            assert row["closed"] and row["assigned_operator_id"] is None
            assert [r.status for r in replies[:2]] == [200, 200]
            assert takes == [] and all(r.error_code == "appeal_closed" for r in replies[2:])
        else:
            assert row["status"] == "in_progress" and len(takes) == 1
            winner = ops[2 + replies[2:].index(takes[0])]
            assert row["assigned_operator_id"] == winner.id and not row["closed"]
            assert all(r.error_code == "appeal_already_taken" for r in replies[:2])


def test_two_holders_transferring_at_once_leave_one_holder(http_api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris, carl, dora = (factory.operator(tenant) for _ in range(4))
    anna_token, boris_token = http_api.login(anna), http_api.login(boris)
    appeal = factory.appeal(tenant)  # unassigned: both may hand it over
    replies = at_once(
        [
            lambda: http_api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(carl.id)}, token=anna_token),
            lambda: http_api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(dora.id)}, token=boris_token),
            lambda: http_api.post(f"{APPEALS}/{appeal}/close", token=boris_token),
        ]
    )
    assert all(r.status < 500 for r in replies), [r.body for r in replies]
    row = appeal_row(factory, appeal)
    ok = [i for i, r in enumerate(replies) if r.status == 200]
    assert len(ok) == 1, [(r.status, r.error_code) for r in replies]
    expected = {0: ("in_progress", carl.id), 1: ("in_progress", dora.id), 2: ("closed", None)}[ok[0]]
    assert (row["status"], row["assigned_operator_id"]) == expected
    assert all(replies[i].status == 409 for i in range(3) if i != ok[0])


def test_take_and_reject_answer_with_the_new_fields(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna = factory.operator(tenant)
    token = api.login(anna)
    first, second = factory.appeal(tenant, text="one"), factory.appeal(tenant, text="two")
    incoming(factory, tenant, first, "again")
    taken = api.post(f"{APPEALS}/{first}/take", token=token).body["appeal"]
    assert taken["unread_count"] == 2 and taken["last_message_preview"] == "again" and taken["closed_at"] is None
    api.post(f"{APPEALS}/{second}/read", token=token)
    rejected = api.post(f"{APPEALS}/{second}/reject", token=token).body["appeal"]
    assert rejected["unread_count"] == 0 and rejected["last_message_preview"] == "two"
    assert rejected["last_message_at"] is not None
