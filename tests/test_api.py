"""The resolver every API function builds (shared/http/resolver.py): Powertools' own, which keeps
the event being resolved on the resolver - right when a process runs one invocation at a time, as
a Lambda container does and the local gateway's worker processes do, so concurrent requests never
see each other's event. Sign-in runs as its middleware, after validation; the body is parsed once."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from pydantic import BaseModel

from devtools.gateway import build_event
from devtools.lambda_context import request_id
from shared.http.resolver import create_app, lambda_entry
from tests.helpers import Api, Factory, LambdaContext, Reply


def test_concurrent_requests_through_the_gateway_each_see_their_own_event(
    api: Api, http_api: Api, factory: Factory
) -> None:
    # Given 50 operators, each signed in with their own token
    tenant = factory.tenant()
    operators = [factory.operator(tenant) for _ in range(50)]
    tokens = [api.login(op) for op in operators]
    sessions = {
        str(row["operator_id"]): str(row["id"])
        for row in factory.query(
            "SELECT id, operator_id FROM operator_devices WHERE tenant_id = %s AND device_type = 'mobile'", tenant.id
        )
    }
    barrier = threading.Barrier(len(tokens), timeout=30)
    replies: list[Reply | None] = [None] * len(tokens)

    def status(i: int) -> None:
        barrier.wait()
        replies[i] = http_api.get("/webhook/api/operator/session", token=tokens[i])

    # When all 50 ask for their session at the same moment
    threads = [threading.Thread(target=status, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Then each got its own session back, never another request's
    got = [(r.status, r.body["session"]["id"]) if r is not None else None for r in replies]
    assert got == [(200, sessions[str(op.id)]) for op in operators]


class Note(BaseModel):
    text: str


def _signed_in_app() -> tuple[Any, list[Any]]:
    app = create_app()
    seen: list[Any] = []

    @app.post("/notes")
    def add_note(note: Note) -> dict[str, str]:
        seen.append(app.session)
        return {"text": note.text}

    return lambda_entry(app), seen


def _call(handler: Any, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    event = build_event("POST", "/notes", {"content-type": "application/json", **(headers or {})}, body)
    reply = handler(event, LambdaContext())
    return reply["statusCode"], json.loads(reply["body"])


def test_a_signed_in_app_refuses_a_caller_without_a_session_before_the_handler_runs() -> None:
    handler, seen = _signed_in_app()
    status, body = _call(handler, b'{"text": "hi"}')
    assert (status, body["error"]["code"]) == (401, "missing_token")
    assert seen == []


def test_a_malformed_request_is_400_before_the_session_is_asked_for() -> None:
    handler, seen = _signed_in_app()
    status, body = _call(handler, b'{"text": 5}', {"authorization": "Bearer not-a-real-token"})
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    assert seen == []


def test_the_json_body_is_parsed_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(public=True)

    @app.post("/notes")
    def add_note(note: Note) -> dict[str, Any]:
        return {"text": note.text, "raw": app.current_event.json_body}  # the webhook reads it this way

    handler: Any = lambda_entry(app)
    parsed: list[str] = []
    loads = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    event = build_event("POST", "/notes", {"content-type": "application/json"}, b'{"text": "hi"}')
    reply = handler(event, LambdaContext())
    monkeypatch.undo()
    assert json.loads(reply["body"]) == {"text": "hi", "raw": {"text": "hi"}}
    assert parsed == ['{"text": "hi"}']


def test_local_request_ids_are_shaped_like_lambdas_and_do_not_repeat() -> None:
    ids = {request_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
