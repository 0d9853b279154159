"""GET /webhook/api/operator/changes: the console's "what changed since" poll, over HTTP."""

from __future__ import annotations

import base64

import psycopg
import pytest

from tests.helpers import Api, Factory
from tests.integration.test_appeals_webhook import post, update

pytestmark = pytest.mark.integration

PATH = "/webhook/api/operator/changes"


def poll(api: Api, token: str, cursor: str | None = None, etag: str | None = None) -> tuple[int, list[str], str, str]:
    reply = api.get(
        PATH,
        token=token,
        query={"since": cursor} if cursor else None,
        headers={"if-none-match": etag} if etag else None,
    )
    if reply.status == 304:
        assert not reply.body
        return 304, [], cursor or "", reply.headers["etag"]
    assert reply.status == 200, reply.body
    assert reply.body["success"] is True
    return 200, reply.body["appeal_ids"], reply.body["cursor"], reply.headers["etag"]


def test_without_since_no_ids_and_a_fresh_cursor_then_each_kind_of_change(http_api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    existing = factory.appeal(tenant)
    token = http_api.login(op, "desktop")

    status, ids, cursor, _ = poll(http_api, token)
    assert (status, ids) == (200, [])

    # Nothing happened: empty, and the same cursor again
    _, ids, same, _ = poll(http_api, token, cursor)
    assert (ids, same) == ([], cursor)

    # A new client's message opens an appeal
    assert post(http_api, tenant, update(1, 7001, "Нужен аккумулятор")).status == 200
    _, ids, cursor, _ = poll(http_api, token, cursor)
    new_id = factory.one("SELECT id FROM appeals WHERE tenant_id = %s AND id <> %s", tenant.id, existing)["id"]
    assert ids == [str(new_id)]
    assert poll(http_api, token, cursor)[1] == []

    # A status and holder change (take)
    assert http_api.post(f"/webhook/api/operator/appeals/{existing}/take", token=token).status == 200
    _, ids, cursor, _ = poll(http_api, token, cursor)
    assert ids == [str(existing)]

    # A message written straight into the table (any code path): the trigger bumps the appeal
    factory.execute(
        "INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status) "
        "VALUES (%s, %s, 'in', 'again', 'received')",
        tenant.id,
        new_id,
    )
    _, ids, cursor, _ = poll(http_api, token, cursor)
    assert ids == [str(new_id)]
    assert poll(http_api, token, cursor)[1] == []


def test_another_tenants_changes_are_not_reported(http_api: Api, factory: Factory) -> None:
    mine, theirs = factory.tenant(), factory.tenant()
    token = http_api.login(factory.operator(mine), "desktop")
    _, _, cursor, _ = poll(http_api, token)
    factory.appeal(theirs)
    assert post(http_api, theirs, update(2, 7002, "Hi")).status == 200
    assert poll(http_api, token, cursor)[1] == []
    ours = factory.appeal(mine)
    assert poll(http_api, token, cursor)[1] == [str(ours)]


def test_if_none_match_with_the_last_etag_is_304_until_something_changes(http_api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    token = http_api.login(factory.operator(tenant), "desktop")
    _, _, cursor, _ = poll(http_api, token)
    status, _, _, etag = poll(http_api, token, cursor)
    assert status == 200
    assert poll(http_api, token, cursor, etag)[0] == 304
    appeal = factory.appeal(tenant)
    status, ids, _, new_etag = poll(http_api, token, cursor, etag)
    assert (status, ids) == (200, [str(appeal)]) and new_etag != etag


def test_a_transaction_still_running_holds_the_cursor_back_so_its_change_is_not_skipped(
    http_api: Api, factory: Factory, database_url: str
) -> None:
    tenant = factory.tenant()
    slow_one, fast_one = factory.appeal(tenant), factory.appeal(tenant)
    token = http_api.login(factory.operator(tenant), "desktop")
    _, _, cursor, _ = poll(http_api, token)
    with psycopg.connect(database_url) as slow:  # begins a transaction: its now() is this moment
        slow.execute("SELECT 1")
        factory.execute("UPDATE appeals SET updated_at = now() WHERE id = %s", fast_one)
        _, ids, cursor, _ = poll(http_api, token, cursor)
        assert ids == [str(fast_one)]
        slow.execute("UPDATE appeals SET updated_at = now() WHERE id = %s", (slow_one,))
    # committed now, dated before fast_one's change: still reported
    assert str(slow_one) in poll(http_api, token, cursor)[1]


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", base64.urlsafe_b64encode(b"c1:abc").decode(), base64.urlsafe_b64encode(b"x9:1").decode(), "%%%"],
)
def test_a_bad_cursor_is_400(http_api: Api, factory: Factory, cursor: str) -> None:
    token = http_api.login(factory.operator(), "desktop")
    reply = http_api.get(PATH, token=token, query={"since": cursor})
    assert (reply.status, reply.error_code) == (400, "invalid_request")


def test_without_a_session_is_401(http_api: Api) -> None:
    reply = http_api.get(PATH)
    assert (reply.status, reply.error_code) == (401, "missing_token")
