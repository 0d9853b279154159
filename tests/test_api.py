"""Powertools keeps the event being resolved on the resolver, which is right when a process runs
one invocation at a time, as a Lambda container does. The local gateway runs functions the same
way (worker processes), so shared/http/resolver.py needs no thread-safety shim: concurrent requests through
the gateway never see each other's event."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from devtools.gateway import build_event
from devtools.lambda_context import LambdaContext, request_id
from shared.http.resolver import JSON_UTF8, _Resolver, _ResponseBuilder, create_app
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
    # resolve is overridden for speed only (routing by API Gateway's route key, below); the event
    # and context still live where Powertools keeps them
    assert not {"current_event", "lambda_context", "_to_proxy_event"} & set(vars(_Resolver))


def _items_app() -> tuple[Any, list[str]]:
    app = create_app()
    searched: list[str] = []  # the paths Powertools' own route search was asked to match

    @app.get("/items/<item_id>")
    def item(item_id: str) -> dict[str, str]:
        return {"item": item_id, "path": app.current_event.raw_path}

    @app.get("/items")
    def items() -> dict[str, str]:
        return {"items": "all"}

    original = app._resolve

    def counting_resolve() -> Any:
        searched.append(app.current_event.raw_path)
        return original()

    app._resolve = counting_resolve  # type: ignore[method-assign]
    return app, searched


def _event(path: str, route_key: str) -> dict[str, Any]:
    return build_event("GET", path, [("accept", "application/json")], route_key=route_key)


def test_a_route_is_found_by_api_gateways_route_key_with_its_parameters_from_the_path() -> None:
    app, searched = _items_app()
    # API Gateway names the parameter {id}; the handler calls it item_id: the route key still finds it
    reply = app.resolve(_event("/items/a%2Fb", "GET /items/{id}"), LambdaContext())
    assert (reply["statusCode"], json.loads(reply["body"])) == (200, {"item": "a%2Fb", "path": "/items/a%2Fb"})
    assert json.loads(app.resolve(_event("/items", "GET /items"), LambdaContext())["body"]) == {"items": "all"}
    assert searched == []  # neither request went through the route-by-route search


def test_an_event_whose_route_key_is_not_ours_is_routed_by_its_path_as_before() -> None:
    app, searched = _items_app()
    by_default = app.resolve(_event("/items/7", "$default"), LambdaContext())
    assert (by_default["statusCode"], json.loads(by_default["body"])["item"]) == (200, "7")
    unknown = app.resolve(_event("/nothing", "$default"), LambdaContext())
    assert (unknown["statusCode"], json.loads(unknown["body"])["error"]["code"]) == (404, "not_found")
    # a route key that names a route whose pattern the path does not fit: routed by the path, too
    mismatched = app.resolve(_event("/items", "GET /items/{id}"), LambdaContext())
    assert json.loads(mismatched["body"]) == {"items": "all"}
    assert searched == ["/items/7", "/nothing", "/items"]


def test_a_plain_answer_is_built_as_powertools_would_build_it() -> None:
    app, _ = _items_app()
    event = _event("/items/7", "GET /items/{id}")
    app.resolve(event, LambdaContext())  # warm: the route has its compiled inputs
    route = app._route_for("GET /items/{id}")
    assert not (route.compress or route.cors or route.cache_control)  # the case our builder writes itself
    for headers in ({"X-One": "1"}, {"X-Many": ["a", "b"]}, {}):
        response = Response(status_code=201, content_type=JSON_UTF8, body='{"ok":true}', headers=headers)
        ours = _ResponseBuilder(response=response, route=route).build(APIGatewayProxyEventV2(event))
        response = Response(status_code=201, content_type=JSON_UTF8, body='{"ok":true}', headers=headers)
        theirs = ResponseBuilder[APIGatewayProxyEventV2](response=response, route=route).build(
            APIGatewayProxyEventV2(event)
        )
        assert ours == theirs


def test_local_request_ids_are_shaped_like_lambdas_and_do_not_repeat() -> None:
    ids = {request_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
