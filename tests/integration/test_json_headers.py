"""Every JSON answer carries ``Cache-Control: no-store`` and ``X-Content-Type-Options: nosniff``:
sessions, tokens and clients' messages are never kept by a browser, a shared proxy or a WebView
cache, and never sniffed as another type. Errors too. The change feed keeps its own ``no-cache``
(it is revalidated with its ETag)."""

from __future__ import annotations

import pytest

from tests.helpers import Api, Factory, Reply

pytestmark = pytest.mark.integration


def _assert_json_headers(reply: Reply) -> None:
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_every_json_answer_is_never_stored_nor_sniffed(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    operator = factory.operator(tenant)
    factory.operator(tenant)
    appeal = factory.appeal(tenant)
    login = api.post("/webhook/android/auth/login", {"login": operator.login, "password": operator.password})
    assert login.status == 200
    _assert_json_headers(login)
    token = str(login.body["session_token"])
    for path in (
        "/webhook/api/operator/session",
        "/webhook/api/operator/sessions",
        "/webhook/api/operator/appeals",
        f"/webhook/api/operator/appeals/{appeal}",
        "/webhook/api/operator/colleagues",
        "/webhook/api/operator/promos",
        "/webhook/api/operator/quick-replies",
    ):
        reply = api.get(path, token=token)
        assert reply.status == 200, (path, reply.body)
        _assert_json_headers(reply)


def test_errors_are_never_stored_nor_sniffed_either(api: Api, factory: Factory) -> None:
    refused = api.post("/webhook/android/auth/login", {"login": "nobody@nowhere.test", "password": "wrong-password"})
    assert refused.status == 401
    _assert_json_headers(refused)
    invalid = api.post("/webhook/android/auth/login", {"login": ""})
    assert (invalid.status, invalid.error_code) == (400, "invalid_request")
    _assert_json_headers(invalid)
    unsigned = api.get("/webhook/api/operator/appeals")
    assert unsigned.status == 401
    _assert_json_headers(unsigned)
    unrouted = api.get("/webhook/api/operator/nothing-here")
    assert unrouted.status == 404
    _assert_json_headers(unrouted)
    too_big = api.post("/webhook/android/auth/login", raw_body=b'{"login": "' + b"x" * 70_000 + b'"}')
    assert too_big.status == 413
    _assert_json_headers(too_big)


def test_the_change_feed_keeps_no_cache_for_its_etag(api: Api, factory: Factory) -> None:
    operator = factory.operator()
    reply = api.get("/webhook/api/operator/changes", token=api.login(operator))
    assert reply.status == 200 and reply.headers["etag"]
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.headers["x-content-type-options"] == "nosniff"
