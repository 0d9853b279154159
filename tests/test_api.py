"""Powertools keeps the event being resolved on the resolver, which is right when a process runs
one invocation at a time, as a Lambda container does. The local gateway runs functions the same
way (worker processes), so shared/api.py needs no thread-safety shim: concurrent requests through
the gateway never see each other's event."""

from __future__ import annotations

import threading

from shared.api import _Resolver
from tests.helpers import Api, Factory, Reply


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


def test_the_resolver_overrides_no_powertools_internals_for_concurrency() -> None:
    assert not {"current_event", "lambda_context", "_to_proxy_event", "resolve"} & set(vars(_Resolver))
