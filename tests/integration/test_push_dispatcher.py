"""The push dispatcher against real PostgreSQL and a fake FCM HTTP v1 server, through the same
sender production uses (FCM_API_BASE_URL only changes where the requests go)."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest

from shared import push
from shared.core import db
from shared.push import fcm
from shared.push.dispatcher import dispatch
from tests.fakes.fcm import FakeFcm
from tests.helpers import Api, Factory, Operator, Tenant

pytestmark = pytest.mark.integration

REGISTER = "/webhook/android-register-fcm"
STATUS = "/webhook/api/operator/session"


def phone(api: Api, op: Operator, fcm_token: str | None = None) -> tuple[str, str]:
    """Log ``op`` in on a phone that registers an FCM token; returns (session token, FCM token)."""
    fcm_token = fcm_token or f"fcm-{secrets.token_hex(12)}"
    token = api.login(op)
    assert api.post(REGISTER, {"fcm_token": fcm_token}, token=token).status == 200
    return token, fcm_token


def announce(tenant: Tenant, kind: str, data: dict[str, Any], except_operator: Operator | None = None) -> int:
    """What the appeal code does: queue a push to the tenant's phones inside its transaction."""
    except_id = except_operator.id if except_operator else None
    return db.run(
        lambda conn: push.enqueue_for_tenant_mobiles(conn, tenant.id, kind, data, except_operator_id=except_id),
        transaction=True,
    )


def queue_direct(tenant: Tenant, tokens: Sequence[str]) -> None:
    db.run(
        lambda conn: push.enqueue(
            conn, tenant.id, "new_appeal", {"appeal_id": "a-1", "preview": "hi"}, [(t, None) for t in tokens]
        ),
        transaction=True,
    )


def make_due(factory: Factory, tenant: Tenant) -> None:
    """Time passes: the backoff (or the lease) of this tenant's pending rows runs out."""
    factory.execute(
        "UPDATE push_outbox SET next_attempt_at = now() WHERE tenant_id = %s AND status = 'pending'", tenant.id
    )


def outbox(factory: Factory, tenant: Tenant) -> list[dict[str, Any]]:
    return factory.query(
        "SELECT fcm_token, kind, status, attempts, last_error, next_attempt_at > now() AS waiting "
        "FROM push_outbox WHERE tenant_id = %s ORDER BY id",
        tenant.id,
    )


def test_new_appeal_reaches_every_phone_of_the_tenant_and_nothing_else(
    api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given two operators with phones, one on desktop only, one logged out, and another tenant's phone
    tenant, other = factory.tenant(), factory.tenant()
    anna, boris, carl, dina = (factory.operator(tenant) for _ in range(4))
    _, anna_fcm = phone(api, anna)
    _, boris_fcm = phone(api, boris)
    desk = api.login(carl, "desktop")
    api.post(REGISTER, {"fcm_token": f"fcm-desk-{secrets.token_hex(6)}"}, token=desk)
    dina_token, dina_fcm = phone(api, dina)
    assert api.post("/webhook/android/logout", token=dina_token).status == 200
    _, olga_fcm = phone(api, factory.operator(other))
    # When a client writes in and the appeal is announced
    appeal_id = "0b6f3c1e-8a44-4c55-9d7e-2f1f3a9c0d11"
    assert announce(tenant, "new_appeal", {"appeal_id": appeal_id, "preview": "Нужен аккумулятор 60Ah"}) == 2
    summary = dispatch()
    # Then exactly the two phones get it, as an FCM data message of strings
    assert sorted(fake_fcm.tokens()) == sorted([anna_fcm, boris_fcm])
    assert summary["sent"] == 2
    message = fake_fcm.messages_to(anna_fcm)[0]
    assert message["data"] == {
        "type": "new_appeal",
        "appeal_id": appeal_id,
        "preview": "Нужен аккумулятор 60Ah",
        "notification_tag": f"appeal-{appeal_id}",
    }
    assert "notification" not in message and message["android"]["priority"] == "high"
    assert fake_fcm.projects == {"batterycrm-local"}
    assert {r["status"] for r in outbox(factory, tenant)} == {"sent"}
    assert dina_fcm not in fake_fcm.tokens() and olga_fcm not in fake_fcm.tokens()


def test_appeal_taken_goes_to_the_other_phones_not_to_the_taker(api: Api, factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given three operators with phones
    tenant = factory.tenant()
    anna, boris, carl = (factory.operator(tenant) for _ in range(3))
    (_, anna_fcm), (_, boris_fcm), (_, carl_fcm) = phone(api, anna), phone(api, boris), phone(api, carl)
    # When Anna takes an appeal
    announce(tenant, "appeal_taken", {"appeal_id": "a-42", "operator_id": str(anna.id)}, except_operator=anna)
    dispatch()
    # Then Boris's and Carl's phones are told, Anna's is not
    assert sorted(fake_fcm.tokens("appeal_taken")) == sorted([boris_fcm, carl_fcm])
    assert fake_fcm.messages_to(boris_fcm)[0]["data"] == {
        "type": "appeal_taken",
        "appeal_id": "a-42",
        "operator_id": str(anna.id),
        "notification_tag": "appeal-a-42",
    }
    assert fake_fcm.messages_to(anna_fcm) == []


def test_session_replaced_goes_only_to_the_replaced_phone(api: Api, factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given Anna's phone with push, her desktop, and Boris's phone
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    _, old_fcm = phone(api, anna)
    api.login(anna, "desktop")
    phone(api, boris)
    # When Anna logs in on a new phone
    api.login(anna)
    dispatch()
    # Then only the old phone is told its session was replaced (it heard new_sign_in for the desktop before)
    assert fake_fcm.tokens("session_replaced") == [old_fcm]
    replaced = [m["data"] for m in fake_fcm.messages_to(old_fcm) if m["data"]["type"] == "session_replaced"]
    assert replaced == [{"type": "session_replaced", "device_type": "mobile"}]


def test_fcm_down_then_back_delivers_once_after_retries(
    api: Api, factory: Factory, fake_fcm: FakeFcm, captured_logs: Any
) -> None:
    # Given a phone, and FCM answering 503 to the next two requests
    tenant = factory.tenant()
    _, fcm_token = phone(api, factory.operator(tenant))
    fake_fcm.fail_next(2)
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "secret client words"})
    # When the dispatcher runs: the send fails and the row waits for its backoff
    first = dispatch()
    assert (first["sent"], first["retried"]) == (0, 1)
    [row] = outbox(factory, tenant)
    assert (row["status"], row["attempts"], row["waiting"]) == ("pending", 1, True)
    assert row["last_error"] == "UnavailableError UNAVAILABLE http 503"
    # and running again before the backoff is over sends nothing
    assert dispatch()["claimed"] == 0
    # When the backoff passes twice (FCM fails once more, then recovers)
    make_due(factory, tenant)
    assert dispatch()["retried"] == 1
    make_due(factory, tenant)
    assert dispatch()["sent"] == 1
    # Then the phone got the push exactly once, after three attempts
    assert fake_fcm.tokens() == [fcm_token]
    [row] = outbox(factory, tenant)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    assert fake_fcm.requests == 3
    # And neither the token nor the client's words were logged
    logs = captured_logs()
    assert fcm_token not in logs and "secret client words" not in logs


def test_a_push_that_keeps_failing_is_kept_as_dead_after_the_last_attempt(
    api: Api, factory: Factory, fake_fcm: FakeFcm, configure: Any
) -> None:
    # Given at most two attempts and FCM down for good
    configure(fcm_api_base_url=fake_fcm.url, push_max_attempts=2)
    tenant = factory.tenant()
    _, fcm_token = phone(api, factory.operator(tenant))
    fake_fcm.fail_next(100, status=500)
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher tries twice
    dispatch()
    make_due(factory, tenant)
    assert dispatch()["dead"] == 1
    # Then the row is kept, dead, with its last error (and no token), and not tried again
    [row] = outbox(factory, tenant)
    assert (row["status"], row["attempts"]) == ("dead", 2)
    assert row["last_error"] == "InternalError INTERNAL http 500" and fcm_token not in row["last_error"]
    make_due(factory, tenant)
    dispatch()
    assert fake_fcm.requests == 2


def test_unregistered_token_is_removed_from_its_session_and_not_retried(
    api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given two phones, one of which uninstalled the app
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    anna_session, anna_fcm = phone(api, anna)
    _, boris_fcm = phone(api, boris)
    fake_fcm.unregistered.add(anna_fcm)
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher sends
    summary = dispatch()
    # Then Boris got it; Anna's row is dead and her session no longer has the token
    assert fake_fcm.tokens() == [boris_fcm]
    assert (summary["sent"], summary["dead"], summary["tokens_removed"]) == (1, 1, 1)
    rows = {r["fcm_token"]: r for r in outbox(factory, tenant)}
    assert rows[anna_fcm]["status"] == "dead" and rows[anna_fcm]["last_error"] == "UnregisteredError NOT_FOUND http 404"
    assert factory.one("SELECT fcm_token FROM operator_devices WHERE operator_id = %s", anna.id)["fcm_token"] is None
    # And the session itself still works, and the row is never tried again
    assert api.get(STATUS, token=anna_session).status == 200
    make_due(factory, tenant)
    dispatch()
    assert fake_fcm.requests == 2
    # And the next appeal is not queued for Anna at all
    assert announce(tenant, "new_appeal", {"appeal_id": "a-2", "preview": "p"}) == 1


def test_two_dispatchers_at_once_send_each_row_exactly_once(
    factory: Factory, fake_fcm: FakeFcm, configure: Any
) -> None:
    # Given 400 queued pushes and small batches, so the two dispatchers claim many times each
    configure(fcm_api_base_url=fake_fcm.url, push_batch_size=25)
    tenant = factory.tenant()
    tokens = [f"fcm-{i}-{secrets.token_hex(4)}" for i in range(400)]
    queue_direct(tenant, tokens)
    start = threading.Barrier(2)
    summaries: list[dict[str, int]] = []

    def dispatcher() -> None:
        start.wait()
        try:
            summaries.append(dispatch())
        finally:
            db.close()

    # When two dispatchers run at the same time
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every push went out exactly once
    assert Counter(fake_fcm.tokens()) == Counter(tokens)
    assert sum(s["sent"] for s in summaries) == 400 and len(summaries) == 2
    assert {r["status"] for r in outbox(factory, tenant)} == {"sent"}


class Crash(BaseException):
    """The Lambda dies (timeout, out of memory) right after FCM accepted the batch."""


class CrashAfterSending:
    def __init__(self, real: push.Sender) -> None:
        self.real = real

    def send(self, messages: Sequence[push.PushMessage]) -> list[push.Outcome]:
        self.real.send(messages)
        raise Crash()


def test_a_crash_between_sending_and_marking_resends_after_the_lease(factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given two queued pushes, and a dispatcher that dies after sending them
    tenant = factory.tenant()
    tokens = [f"fcm-a-{secrets.token_hex(4)}", f"fcm-b-{secrets.token_hex(4)}"]
    queue_direct(tenant, tokens)
    with pytest.raises(Crash):
        dispatch(CrashAfterSending(fcm.sender()))
    assert sorted(fake_fcm.tokens()) == sorted(tokens)
    # Then the rows stay pending under their lease: another dispatcher does not take them yet
    assert [(r["status"], r["attempts"], r["waiting"]) for r in outbox(factory, tenant)] == [("pending", 1, True)] * 2
    assert dispatch()["claimed"] == 0
    # When the lease runs out, they are sent again and marked: at least once, never lost
    make_due(factory, tenant)
    assert dispatch()["sent"] == 2
    assert Counter(fake_fcm.tokens()) == Counter({tokens[0]: 2, tokens[1]: 2})
    assert {r["status"] for r in outbox(factory, tenant)} == {"sent"}


class BatchSizes:
    def __init__(self, real: push.Sender) -> None:
        self.real, self.sizes = real, list[int]()

    def send(self, messages: Sequence[push.PushMessage]) -> list[push.Outcome]:
        self.sizes.append(len(messages))
        return self.real.send(messages)


def test_more_than_500_due_rows_go_out_in_batches_of_at_most_500(factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given 1001 queued pushes
    tenant = factory.tenant()
    tokens = [f"fcm-{i}-{secrets.token_hex(4)}" for i in range(1001)]
    queue_direct(tenant, tokens)
    # When the dispatcher runs once
    sizes = BatchSizes(fcm.sender())
    summary = dispatch(sizes)
    # Then it sent them all, 500 per batch at most
    assert sizes.sizes == [500, 500, 1] and summary["batches"] == 3
    assert Counter(fake_fcm.tokens()) == Counter(tokens)
    assert factory.one("SELECT count(*) AS n FROM push_outbox WHERE tenant_id = %s AND status = 'sent'", tenant.id) == {
        "n": 1001
    }


def test_push_data_values_are_strings(factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given a push whose data has a number, a boolean, a null and a uuid
    tenant = factory.tenant()
    token = f"fcm-{secrets.token_hex(6)}"
    uid = UUID("6d1c9f0e-2a8b-4f3c-9a1d-0e5b7c3f2a10")
    db.run(
        lambda conn: push.enqueue(
            conn, tenant.id, "new_appeal", {"appeal_id": str(uid), "n": 3, "b": True, "gone": None}, [(token, None)]
        ),
        transaction=True,
    )
    dispatch()
    # Then FCM gets a string map (FCM rejects anything else)
    assert fake_fcm.messages_to(token)[0]["data"] == {
        "type": "new_appeal",
        "appeal_id": str(uid),
        "n": "3",
        "b": "true",
        "notification_tag": f"appeal-{uid}",
    }


def test_a_row_whose_last_attempt_crashed_is_kept_as_dead(factory: Factory, fake_fcm: FakeFcm, configure: Any) -> None:
    # Given one attempt allowed, and a dispatcher that dies after sending
    configure(fcm_api_base_url=fake_fcm.url, push_max_attempts=1)
    tenant = factory.tenant()
    queue_direct(tenant, [f"fcm-{secrets.token_hex(4)}"])
    with pytest.raises(Crash):
        dispatch(CrashAfterSending(fcm.sender()))
    # When its lease runs out and the dispatcher runs again
    make_due(factory, tenant)
    summary = dispatch()
    # Then the row is not sent a second time but kept as dead, saying why
    assert (summary["claimed"], summary["dead"]) == (0, 1)
    [row] = outbox(factory, tenant)
    assert (row["status"], row["last_error"]) == ("dead", "dispatcher did not finish the last attempt")
    assert fake_fcm.requests == 1


def test_in_lambda_the_dispatcher_stops_claiming_when_time_runs_short(
    factory: Factory, fake_fcm: FakeFcm, configure: Any
) -> None:
    # Given three due pushes, batches of one, and a Lambda with little time left
    configure(fcm_api_base_url=fake_fcm.url, push_batch_size=1)
    tenant = factory.tenant()
    queue_direct(tenant, [f"fcm-{i}-{secrets.token_hex(4)}" for i in range(3)])
    # When the dispatcher runs: it sends one batch, then leaves the rest to the next kick or minute
    summary = dispatch(remaining_ms=lambda: 1_000)
    assert (summary["batches"], summary["sent"]) == (1, 1)
    assert [r["status"] for r in outbox(factory, tenant)].count("pending") == 2
    assert dispatch()["sent"] == 2
