"""The bench's bare baseline does the same lookups as our handlers, so its ratios compare like with
like: the same session, the same page of appeals, the same appeal."""

from __future__ import annotations

import json

import pytest

from bench import baseline
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration


def test_the_bare_baseline_finds_what_our_handlers_find(api: Api, factory: Factory, database_url: str) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant=tenant)
    appeals = [factory.appeal(tenant) for _ in range(3)]
    token = api.login(op)
    bare = baseline.Bare(database_url)
    auth = {"authorization": f"Bearer {token}"}

    status, body = bare.handle(baseline.STATUS, auth)
    assert (status, json.loads(body)["session"]["id"]) == (
        200,
        api.get(baseline.STATUS, token=token).body["session"]["id"],
    )

    status, body = bare.handle(baseline.LIST, auth, "limit=50")
    ours = api.get(baseline.LIST, token=token, query={"limit": "50"}).body["appeals"]
    assert status == 200
    assert [a["id"] for a in json.loads(body)["appeals"]] == [a["id"] for a in ours]
    assert sorted(a["id"] for a in ours) == sorted(str(a) for a in appeals)

    status, body = bare.handle(f"{baseline.LIST}/{appeals[0]}", auth)
    assert (status, json.loads(body)["appeal"]["id"]) == (200, str(appeals[0]))

    assert bare.handle(baseline.STATUS, {"authorization": "Bearer not-a-session"})[0] == 401
