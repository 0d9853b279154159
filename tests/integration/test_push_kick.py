"""The dispatcher is kicked right after a commit that queued pushes: in-process in `make run`
(and here), by an asynchronous Lambda invoke in AWS; and end to end through the local gateway."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devtools.push_worker import LocalDispatcher
from shared import push
from shared.core import db
from tests.fakes.fcm import FakeFcm
from tests.helpers import Api, Factory, Tenant

pytestmark = pytest.mark.integration

REGISTER = "/webhook/android-register-fcm"


@pytest.fixture
def kicks(factory: Factory) -> Iterator[list[int]]:
    """Records each kick, with how many outbox rows another connection could see at that moment."""
    seen: list[int] = []
    push.set_local_kicker(lambda: seen.append(factory.one("SELECT count(*) AS n FROM push_outbox")["n"]))
    yield seen
    push.set_local_kicker(None)


def queue(conn: db.Connection, tenant: Tenant, *tokens: str) -> int:
    return push.enqueue(conn, tenant.id, "new_appeal", {"appeal_id": "a", "preview": "p"}, [(t, None) for t in tokens])


def test_the_kick_comes_once_after_the_commit(factory: Factory, kicks: list[int]) -> None:
    # Given a transaction that queues pushes twice
    tenant = factory.tenant()
    before = factory.one("SELECT count(*) AS n FROM push_outbox")["n"]

    def work(conn: db.Connection) -> None:
        queue(conn, tenant, "fcm-1")
        queue(conn, tenant, "fcm-2", "fcm-3")
        assert kicks == []  # nothing while the transaction is open

    db.run(work, transaction=True)
    # Then the dispatcher was kicked once, when the rows were already visible to it
    assert kicks == [before + 3]


def test_no_kick_when_the_transaction_rolls_back_or_queues_nothing(factory: Factory, kicks: list[int]) -> None:
    tenant = factory.tenant()

    def failing(conn: db.Connection) -> None:
        queue(conn, tenant, "fcm-1")
        raise ValueError("the change failed after queueing")

    with pytest.raises(ValueError):
        db.run(failing, transaction=True)
    db.run(lambda conn: queue(conn, tenant), transaction=True)
    assert kicks == []
    assert factory.query("SELECT 1 FROM push_outbox WHERE tenant_id = %s", tenant.id) == []


class FakeLambda:
    """The Lambda Invoke API on 127.0.0.1, reached by boto3 through AWS_ENDPOINT_URL_LAMBDA."""

    def __init__(self, status: int = 202) -> None:
        self.invokes: list[tuple[str, str | None, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.invokes.append((self.path, self.headers.get("x-amz-invocation-type"), json.loads(body)))
                out = b"" if status == 202 else b'{"Message": "not allowed"}'
                self.send_response(status)
                if status != 202:
                    self.send_header("x-amzn-errortype", "AccessDeniedException")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def aws_lambda(monkeypatch: pytest.MonkeyPatch, configure: Any, status: int) -> FakeLambda:
    fake = FakeLambda(status)
    for name, value in {
        "AWS_ENDPOINT_URL_LAMBDA": fake.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    configure(push_dispatcher_function_name="bcrm-push-dispatcher", aws_region="eu-central-1")
    return fake


def test_in_aws_a_login_that_replaces_a_phone_invokes_the_dispatcher_asynchronously(
    api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch, configure: Any
) -> None:
    # Given the dispatcher's function name (as template.yaml sets it) and a phone with push
    fake = aws_lambda(monkeypatch, configure, status=202)
    op = factory.operator()
    api.post(REGISTER, {"fcm_token": f"fcm-{secrets.token_hex(8)}"}, token=api.login(op))
    assert fake.invokes == []
    # When the operator logs in on another phone
    api.login(op)
    # Then the dispatcher function was invoked once, as an event (fire and forget)
    assert fake.invokes == [
        ("/2015-03-31/functions/bcrm-push-dispatcher/invocations", "Event", {"source": "batterycrm.push.kick"})
    ]
    fake.stop()


def test_a_failing_kick_does_not_fail_the_request(
    api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch, configure: Any, captured_logs: Any
) -> None:
    # Given a Lambda API that refuses the invoke
    fake = aws_lambda(monkeypatch, configure, status=403)
    op = factory.operator()
    api.post(REGISTER, {"fcm_token": f"fcm-{secrets.token_hex(8)}"}, token=api.login(op))
    # When a login queues a push: it still succeeds, the push stays queued for the schedule
    reply = api.post("/webhook/android/auth/login", {"login": op.login, "password": op.password})
    assert reply.status == 200
    assert len(fake.invokes) == 1 and "push dispatcher kick failed" in captured_logs()
    assert factory.one(
        "SELECT status FROM push_outbox WHERE tenant_id = %s AND kind = 'session_replaced'", op.tenant_id
    ) == {"status": "pending"}
    fake.stop()


def test_session_replaced_reaches_the_first_phone_end_to_end_over_http(
    http_api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given the local dispatcher worker (as in `make run`) and phone A with push, over real HTTP
    dispatcher = LocalDispatcher().start()
    try:
        op = factory.operator()
        first = http_api.login(op)
        fcm_a = f"fcm-a-{secrets.token_hex(8)}"
        assert http_api.post(REGISTER, {"fcm_token": fcm_a}, token=first).status == 200
        # When the operator logs in on phone B
        http_api.login(op)
        # Then the fake FCM receives a session_replaced data message for phone A, right away
        assert fake_fcm.wait_until(lambda: fcm_a in fake_fcm.tokens("session_replaced"))
        assert fake_fcm.messages_to(fcm_a)[0]["data"] == {"type": "session_replaced", "device_type": "mobile"}
        assert http_api.get("/webhook/api/operator/session", token=first).error_code == "session_replaced"
    finally:
        dispatcher.stop()
