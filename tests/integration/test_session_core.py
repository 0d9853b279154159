"""The shared session module: where the token is read from, validation in one round trip,
lifetimes, and why a dead token is dead."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

STATUS = "/webhook/api/operator/session"
POOLER_TIMEOUT = re.compile(r"^SELECT set_config\('statement_timeout', '\d+', false\); ")
LOGOUT = "/webhook/android/logout"


@pytest.mark.parametrize("place", ["bearer", "header", "body", "query"])
def test_the_token_is_read_from_every_place_the_app_uses(api: Api, factory: Factory, place: str) -> None:
    op = factory.operator()
    token = api.login(op)
    if place == "bearer":
        reply = api.get(STATUS, token=token)
    elif place == "header":
        reply = api.get(STATUS, headers={"x-session-token": token})
    elif place == "body":
        reply = api.post(LOGOUT, {"session_token": token})
    else:
        reply = api.get(STATUS, query={"session_token": token})
    assert reply.status == 200, reply.body


def test_bearer_wins_over_the_other_places(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    reply = api.get(STATUS, token=token, headers={"x-session-token": "garbage"}, query={"session_token": "garbage"})
    assert reply.status == 200


def test_missing_unknown_and_logged_out_tokens(api: Api, factory: Factory) -> None:
    missing = api.get(STATUS)
    assert (missing.status, missing.error_code) == (401, "missing_token")
    unknown = api.get(STATUS, token="not-a-real-token")
    assert (unknown.status, unknown.error_code) == (401, "session_invalid")
    op = factory.operator()
    token = api.login(op)
    api.post(LOGOUT, token=token)
    gone = api.get(STATUS, token=token)
    assert (gone.status, gone.error_code) == (401, "session_revoked")


def test_status_answers_the_contract(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op, "desktop")
    session = api.get(STATUS, token=token).body["session"]
    row = factory.one("SELECT id FROM operator_devices WHERE operator_id = %s", op.id)
    assert session["id"] == str(row["id"])
    assert set(session) == {"id", "device_type", "created_at", "last_active_at", "expires_at"}
    assert session["device_type"] == "desktop"


def test_validation_is_one_round_trip(api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    op = factory.operator()
    token = api.login(op)
    api.get(STATUS, token=token)  # warm: the connection is open
    statements: list[str] = []
    real_execute = psycopg.Cursor.execute  # every statement goes through a cursor

    def counting(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        # behind a pooler, each statement goes in one message after the statement timeout's set_config
        statements.append(POOLER_TIMEOUT.sub("", str(query))[:40])
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    statements.clear()
    assert api.get(STATUS, token=token).status == 200
    assert len(statements) == 1
    assert statements[0].lstrip().startswith("SELECT")  # read-only: no writable CTE on the hot path
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '5 minutes' WHERE operator_id = %s", op.id
    )  # a refresh is due: one more statement, the refresh itself, once per interval
    statements.clear()
    assert api.get(STATUS, token=token).status == 200
    assert [s.lstrip().split()[0] for s in statements] == ["SELECT", "UPDATE"]
    statements.clear()
    assert api.get(STATUS, token=token).status == 200
    assert len(statements) == 1


def test_a_dead_tokens_reason_is_only_looked_up_when_the_live_lookup_misses(
    api: Api, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = factory.operator()
    token = api.login(op)
    api.get(STATUS, token=token)
    statements: list[str] = []
    real_execute = psycopg.Cursor.execute  # every statement goes through a cursor

    def recording(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    assert api.get(STATUS, token=token).status == 200
    assert not any("session_history" in s for s in statements)  # live: the history is never read
    api.post(LOGOUT, token=token)
    statements.clear()
    reply = api.get(STATUS, token=token)
    assert (reply.status, reply.error_code) == (401, "session_revoked")
    assert [("session_history" in s) for s in statements] == [False, True]  # dead: one more, for why


def _last_active(factory: Factory, operator_id: Any) -> Any:
    return factory.one("SELECT last_active_at FROM operator_devices WHERE operator_id = %s", operator_id)[
        "last_active_at"
    ]


def test_last_active_at_is_refreshed_at_most_once_a_minute(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '30 seconds' WHERE operator_id = %s", op.id
    )
    before = _last_active(factory, op.id)
    api.get(STATUS, token=token)
    assert _last_active(factory, op.id) == before  # touched 30 s ago: left alone
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '2 minutes' WHERE operator_id = %s", op.id
    )
    stale = _last_active(factory, op.id)
    reply = api.get(STATUS, token=token)
    assert _last_active(factory, op.id) > stale
    assert reply.body["session"]["last_active_at"] != stale.isoformat()


def test_idle_lifetime_expires_a_session(api: Api, factory: Factory, configure: Any) -> None:
    configure(desktop_idle_seconds=3600)
    op = factory.operator()
    token = api.login(op, "desktop")
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '61 minutes' WHERE operator_id = %s", op.id
    )
    reply = api.get(STATUS, token=token)
    assert (reply.status, reply.error_code) == (401, "session_expired")
    # the session is ended and remembered as expired
    assert factory.query("SELECT 1 FROM operator_devices WHERE operator_id = %s", op.id) == []
    assert (
        factory.one("SELECT end_reason FROM session_history WHERE operator_id = %s", op.id)["end_reason"] == "expired"
    )
    assert api.get(STATUS, token=token).error_code == "session_expired"


def test_absolute_lifetime_expires_an_active_session(api: Api, factory: Factory) -> None:
    op = factory.operator()
    token = api.login(op)
    factory.execute(
        "UPDATE operator_devices SET expires_at = now() - interval '1 second' WHERE operator_id = %s", op.id
    )
    reply = api.get(STATUS, token=token)
    assert (reply.status, reply.error_code) == (401, "session_expired")


def test_expires_at_is_the_earlier_of_idle_and_absolute(api: Api, factory: Factory, configure: Any) -> None:
    configure(mobile_idle_seconds=600, mobile_absolute_seconds=3600)
    op = factory.operator()
    token = api.login(op)
    session = api.get(STATUS, token=token).body["session"]
    row = factory.one("SELECT last_active_at, expires_at FROM operator_devices WHERE operator_id = %s", op.id)
    assert session["expires_at"].replace("Z", "+00:00") == (row["last_active_at"] + _minutes(10)).isoformat()
    factory.execute(
        "UPDATE operator_devices SET expires_at = now() + interval '2 minutes' WHERE operator_id = %s", op.id
    )
    session = api.get(STATUS, token=token).body["session"]
    row = factory.one("SELECT expires_at FROM operator_devices WHERE operator_id = %s", op.id)
    assert session["expires_at"].replace("Z", "+00:00") == row["expires_at"].isoformat()


def _minutes(n: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=n)
