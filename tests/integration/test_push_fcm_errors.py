"""How FCM's error answers, a slow FCM and a missing one end for a push: against real PostgreSQL and
the fake FCM HTTP v1 server, through the dispatcher's own sender. A token FCM will never accept is
dropped with its row; anything else is left to the outbox's backoff, never retried in the request."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from shared.push.dispatcher import dispatch
from tests.fakes.fcm import FakeFcm, fcm_error
from tests.helpers import Api, Factory
from tests.integration.test_push_dispatcher import announce, make_due, outbox, phone

pytestmark = pytest.mark.integration

# status, google.rpc status, FcmError code -> the row's last_error, and whether the token is dropped
ERRORS = [
    (404, "NOT_FOUND", "UNREGISTERED", "UnregisteredError NOT_FOUND http 404", True),
    (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderIdMismatchError PERMISSION_DENIED http 403", True),
    (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "InvalidArgumentError INVALID_ARGUMENT http 400", True),
    (400, "INVALID_ARGUMENT", None, "InvalidArgumentError INVALID_ARGUMENT http 400", True),
    (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "QuotaExceededError RESOURCE_EXHAUSTED http 429", False),
    (503, "UNAVAILABLE", "UNAVAILABLE", "UnavailableError UNAVAILABLE http 503", False),
    (500, "INTERNAL", "INTERNAL", "InternalError INTERNAL http 500", False),
    (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "ThirdPartyAuthError UNAUTHENTICATED http 401", False),
    (403, "PERMISSION_DENIED", None, "PermissionDeniedError PERMISSION_DENIED http 403", False),
]


@pytest.mark.parametrize(("status", "rpc_status", "fcm_code", "error", "dropped"), ERRORS)
def test_an_fcm_error_answer_ends_the_push_by_its_code(
    api: Api,
    factory: Factory,
    fake_fcm: FakeFcm,
    status: int,
    rpc_status: str,
    fcm_code: str | None,
    error: str,
    dropped: bool,
) -> None:
    # Given a phone whose token FCM refuses, with a message that quotes the token (as FCM's may)
    tenant = factory.tenant()
    op = factory.operator(tenant)
    _, token = phone(api, op)
    fake_fcm.refuse(token, status, fcm_error(status, rpc_status, fcm_code, f"The token {token} was refused"))
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher sends
    summary = dispatch()
    # Then FCM was asked once (no retry in the request, even though it said Retry-After), and the
    # row says why by code and HTTP status only
    assert fake_fcm.requests == 1
    [row] = outbox(factory, tenant)
    assert row["last_error"] == error and token not in row["last_error"]
    kept = factory.one("SELECT fcm_token FROM operator_devices WHERE operator_id = %s", op.id)["fcm_token"]
    if dropped:
        # And a token FCM will never accept is dropped, its row dead
        assert (summary["dead"], summary["tokens_removed"], row["status"]) == (1, 1, "dead")
        assert kept is None
    else:
        # And anything else waits for the outbox's backoff, the token kept
        assert (summary["retried"], row["status"], row["waiting"]) == (1, "pending", True)
        assert kept == token


def test_an_answer_that_is_not_fcm_json_is_named_by_its_http_status(
    api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given a proxy in front of FCM answering 502 with an HTML page
    tenant = factory.tenant()
    _, token = phone(api, factory.operator(tenant))
    fake_fcm.refuse(token, 502, b"<html><body>Bad Gateway</body></html>")
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher sends, the push waits for a retry
    assert dispatch()["retried"] == 1
    [row] = outbox(factory, tenant)
    assert (row["status"], row["last_error"]) == ("pending", "UnknownError UNKNOWN http 502")


def test_a_slow_fcm_is_a_timeout_outcome_not_a_hang(
    api: Api, factory: Factory, fake_fcm: FakeFcm, configure: Any
) -> None:
    # Given FCM answering after 3 s, and a 0.5 s timeout
    configure(fcm_api_base_url=fake_fcm.url, push_http_timeout_s=0.5)
    tenant = factory.tenant()
    phone(api, factory.operator(tenant))
    phone(api, factory.operator(tenant))
    fake_fcm.delay_s = 3.0
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher sends
    started = time.monotonic()
    summary = dispatch()
    # Then it gave up on both at once (not one after the other, not after FCM's answer) and
    # left them to the outbox
    assert time.monotonic() - started < 2.0
    assert summary["retried"] == 2
    rows = outbox(factory, tenant)
    assert {(r["status"], r["last_error"]) for r in rows} == {("pending", "DeadlineExceededError DEADLINE_EXCEEDED")}
    # And once FCM is quick again, the backoff over, they go out
    fake_fcm.delay_s = 0.0
    make_due(factory, tenant)
    assert dispatch()["sent"] == 2


def test_no_fcm_listening_is_an_unavailable_outcome(api: Api, factory: Factory, configure: Any) -> None:
    # Given FCM_API_BASE_URL pointing at a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(fcm_api_base_url=f"http://127.0.0.1:{port}")
    factory.execute(
        "UPDATE push_outbox SET status = 'dead', last_error = 'set aside by a test' WHERE status = 'pending'"
    )
    tenant = factory.tenant()
    phone(api, factory.operator(tenant))
    announce(tenant, "new_appeal", {"appeal_id": "a-1", "preview": "p"})
    # When the dispatcher sends: the connection is refused (twice), and the push waits for a retry
    assert dispatch()["retried"] == 1
    [row] = outbox(factory, tenant)
    assert (row["status"], row["last_error"]) == ("pending", "UnavailableError UNAVAILABLE")
