"""Request validation by Powertools from each handler's signature (``enable_validation``), worded by
shared/http/validation.py: API.md's 400 invalid_request naming the fields, defaults and constraints
from the same signatures the OpenAPI document is built from, and answers as UTF-8 JSON shaped by
the declared return type."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body, Cookie, Header, Query
from pydantic import BaseModel, Field

from devtools.gateway import build_event
from shared.http.resolver import create_app, lambda_entry
from tests.helpers import LambdaContext


class Greeting(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    times: int = 1


class Out(BaseModel):
    text: str


class Internal(Out):
    secret: str


def _app() -> Any:
    app = create_app(public=True)

    @app.post("/greet/<shop>")
    def greet(shop: str, request: Greeting) -> Out:
        return Out(text=f"{shop}: Привет, {request.name}! x{request.times}")

    @app.get("/items")
    def items(
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        status: Annotated[str | None, Query(max_length=5)] = None,
        client_version: Annotated[str, Header()] = "none",
    ) -> dict[str, Any]:
        return {"limit": limit, "status": status, "client_version": client_version}

    @app.post("/optional")
    def optional(request: Annotated[Greeting | None, Body()] = None) -> Out:
        return Out(text=request.name if request else "nobody")

    @app.get("/leaky")
    def leaky() -> Out:
        return Internal(text="ok", secret="must-not-leave")

    return lambda_entry(app)


def _call(handler: Any, method: str, path: str, body: Any = None, query: str = "", headers: Any = None) -> Any:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode() if body is not None else b""
    event = build_event(method, path, {"content-type": "application/json", **(headers or {})}, raw, query)
    result = handler(event, LambdaContext())
    return result["statusCode"], result["headers"], result["body"]


@pytest.fixture(scope="module")
def handler() -> Any:
    return _app()


def test_a_valid_body_reaches_the_handler_and_the_answer_is_readable_utf8(handler: Any) -> None:
    status, headers, body = _call(handler, "POST", "/greet/demo", {"name": "Иван", "times": 2})
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body == '{"text":"demo: Привет, Иван! x2"}'  # no \\u escapes


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"name": "", "times": "x"}, "Invalid or missing field(s): name, times."),
        ({"times": 1}, "Invalid or missing field(s): name."),
        ([1, 2], "Invalid or missing field(s): body."),
        ("{not json", "The body is not valid JSON."),
        (None, "Invalid or missing field(s): body."),
    ],
)
def test_an_invalid_body_is_400_invalid_request_naming_the_fields(handler: Any, raw: Any, message: str) -> None:
    status, _, body = _call(handler, "POST", "/greet/demo", raw)
    assert status == 400
    assert json.loads(body) == {"success": False, "error": {"code": "invalid_request", "message": message}}


def test_query_and_header_parameters_get_their_defaults_and_constraints(handler: Any) -> None:
    status, _, body = _call(handler, "GET", "/items")
    assert (status, json.loads(body)) == (200, {"limit": 50, "status": None, "client_version": "none"})
    status, _, body = _call(handler, "GET", "/items", query="limit=7&status=new", headers={"Client-Version": "2.1"})
    assert (status, json.loads(body)) == (200, {"limit": 7, "status": "new", "client_version": "2.1"})
    status, _, body = _call(handler, "GET", "/items", query="limit=0&status=toolong")
    assert status == 400
    assert json.loads(body)["error"]["message"] == "Invalid or missing field(s): limit, status."


def test_an_optional_body_may_be_left_out(handler: Any) -> None:
    assert json.loads(_call(handler, "POST", "/optional")[2]) == {"text": "nobody"}
    assert json.loads(_call(handler, "POST", "/optional", {"name": "Anna"})[2]) == {"text": "Anna"}
    assert _call(handler, "POST", "/optional", {"name": ""})[0] == 400


def test_the_answer_has_only_the_declared_types_fields(handler: Any) -> None:
    status, _, body = _call(handler, "GET", "/leaky")
    assert (status, json.loads(body)) == (200, {"text": "ok"})


def test_a_cookie_parameter_is_validated_too() -> None:

    app = create_app(public=True)

    @app.get("/theme")
    def theme(theme: Annotated[str, Cookie(min_length=3)]) -> dict[str, str]:
        return {"theme": theme}

    handler = lambda_entry(app)
    status, _, body = _call(handler, "GET", "/theme", headers={"cookie": "theme=dark"})
    assert (status, json.loads(body)) == (200, {"theme": "dark"})
    status, _, body = _call(handler, "GET", "/theme")
    assert status == 400
    assert json.loads(body)["error"] == {"code": "invalid_request", "message": "Invalid or missing field(s): theme."}
