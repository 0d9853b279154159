"""The one resolver factory: every API function builds its Powertools resolver here, so every typed
error becomes API.md's envelope in one place, every JSON answer carries the same headers, and every
invocation gets the same guards (body size, secret masking, correlation id).

A handler, all of it::

    app = create_app()  # sign-in required; create_app(public=True) for login and webhooks

    @app.post("/webhook/api/operator/appeals/<appeal_id>/take", summary="Take an appeal", tags=["appeals"])
    def take(appeal_id: str) -> AppealResponse:
        return AppealResponse(appeal=triage.take(app.session, appeal_id))

    lambda_handler = lambda_entry(app)

Powertools validates the request from the handler's signature (``enable_validation``): a pydantic
model parameter is the JSON body, ``Annotated[int, Query(ge=1)]`` a query parameter; a failure is
API.md's 400 ``invalid_request``. The same signatures give the OpenAPI document.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pydantic_core
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from shared.auth import sessions
from shared.core import metrics
from shared.core.errors import ApiError, NotFound, PayloadTooLarge
from shared.core.observability import forget_request_secrets, logger, mask
from shared.core.settings import check_at_cold_start, get_settings
from shared.http import guards, validation

if TYPE_CHECKING:  # for the annotations only; Powertools loads it nowhere at run time either
    from aws_lambda_powertools.utilities.typing import LambdaContext

LambdaHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]

_SECRET_HEADERS = frozenset(("authorization", "x-session-token", "x-telegram-bot-api-secret-token"))
_SECRET_BODY_FIELDS = ("password", "current_password", "new_password", "session_token", "fcm_token")

# Every JSON answer: UTF-8, Cyrillic as is (no \u escapes), compact; never stored by a browser or a
# proxy (answers carry sessions and clients' data) and never sniffed as another type.
JSON_UTF8 = "application/json; charset=utf-8"
JSON_HEADERS = {"Content-Type": JSON_UTF8, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def to_json(value: Any) -> str:
    """Powertools hands every answer here once it is plain data (its validation shaped a returned
    model by the declared type); pydantic-core writes it, as ``json.dumps`` would, but in one pass."""
    return pydantic_core.to_json(value).decode()


class Resolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, plus the caller's session and the handlers (the guards ask
    whether one reads a JSON body)."""

    def __init__(self) -> None:
        super().__init__(serializer=to_json, enable_validation=True, json_body_deserializer=_body.parse)
        self.handlers: list[Callable[..., Any]] = []  # every route's function, for the guards

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().route(rule, method, *args, **kwargs)

        def recording(func: Callable[..., Any]) -> Any:
            self.handlers.append(func)
            return register(func)

        return recording

    @property
    def json_body(self) -> Any:
        """The request's JSON body as the guard parsed it (None: no body, or not JSON), for a
        handler that reads it without a model (the webhooks)."""
        return _body.value

    @property
    def session(self) -> sessions.Session:
        """The caller's live session, checked before the handler runs (not on a ``public`` app)."""
        session: sessions.Session = self.context["session"]
        return session


def create_app(*, public: bool = False) -> Resolver:
    """A resolver whose routes need a live session (``public``: login, logout, webhooks), with
    request validation and API.md's error envelope for every failure."""
    app = Resolver()
    app.use([_json_answer] if public else [_json_answer, _signed_in])
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(NotFoundError)(_no_route)
    app.exception_handler(Exception)(_bug)
    return app


def answered_as(model: type[BaseModel]) -> dict[int, Any]:
    """The ``responses`` of a route whose handler writes its own JSON (``written``): the OpenAPI
    document still names the model, as it would from the return annotation."""
    return {200: {"description": "Successful Response", "content": {"application/json": {"model": model}}}}


def written(answer: BaseModel) -> Response[str]:
    """The answer written straight to JSON by its model. For a large page only (the appeal list):
    Powertools' response validation would turn the model into Python objects and then into JSON,
    ~1 M instructions (~0.1 ms) more for 50 appeals (docs/performance.md); the model that builds
    the answer already validated it."""
    return Response(200, JSON_UTF8, answer.model_dump_json())


def _signed_in(app: Resolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Sign-in, after the request is validated (a malformed request is 400 before 401)."""
    app.context["session"] = sessions.authenticate(app.current_event)
    return next_middleware(app)


def _json_answer(app: Resolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Every JSON answer a handler gives carries ``JSON_HEADERS`` (a handler's own Cache-Control stays)."""
    response = next_middleware(app)
    if str(response.headers.get("Content-Type", "")).startswith("application/json"):
        response.headers.update({**JSON_HEADERS, **response.headers, "Content-Type": JSON_UTF8})
    return response


def error_response(error: ApiError, correlation_id: str | None = None) -> Response[Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.status >= 500 and correlation_id:
        body["correlation_id"] = correlation_id
    return Response(
        status_code=error.status,
        content_type=JSON_UTF8,
        body=to_json({"success": False, "error": body}),
        headers={**JSON_HEADERS, **error.headers},
    )


def _api_error(exc: ApiError) -> Response[Any]:
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
    return error_response(exc, logger.get_correlation_id())


def _invalid(exc: RequestValidationError) -> Response[Any]:
    return error_response(validation.invalid(list(exc.errors())))


def _no_route(exc: NotFoundError) -> Response[Any]:
    return error_response(NotFound())


def _bug(exc: Exception) -> Response[Any]:
    logger.exception("unhandled error", extra={"error": type(exc).__name__})
    return error_response(ApiError(), logger.get_correlation_id())


class _Body:
    """The request's JSON body, parsed once: by the guard, before the resolver sees the request;
    Powertools' ``json_body`` (validation, the session token in a body) gets it back, and so do the
    webhooks (``Resolver.json_body``)."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.value: Any = None

    def remember(self, text: str | None, value: Any) -> None:
        self.text, self.value = text, value

    def parse(self, text: str) -> Any:
        return self.value if text == self.text else json.loads(text)


_body = _Body()


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(base64.b64decode(body, validate=False))
    return len(body.encode())


def lambda_entry(app: Resolver, *, lenient_body: bool = False) -> LambdaHandler:
    """The function's ``lambda_handler``: guards, then ``app.resolve``. ``lenient_body`` (the Telegram
    webhook): a body that cannot be read is acknowledged with 200 instead of refused."""
    guard = guards.RequestGuard(guards.reads_json_body(app.handlers), lenient_body, _guard_reply)
    check_at_cold_start()

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # API Gateway's request id, read directly (half the wrapper's cost of a JMESPath lookup)
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        forget_request_secrets()
        _body.remember(None, None)
        if _body_size(event) > get_settings().max_body_bytes:
            return as_proxy_result(error_response(PayloadTooLarge()))
        checked = guard.inspect(event)
        if checked.refused is not None:
            return checked.refused
        _body.remember(checked.text, checked.body)
        mask(_request_secrets(event, checked.body))
        return app.resolve(event, context)

    return metrics.flushing(handler)


def _request_secrets(event: dict[str, Any], body: Any) -> list[str | None]:
    """Every secret the request carries, so that none of them can reach a log line."""
    found: list[str | None] = [v for k, v in (event.get("headers") or {}).items() if k.lower() in _SECRET_HEADERS]
    if query := event.get("queryStringParameters"):
        found.append(query.get("session_token"))
    if isinstance(body, dict):
        found += [v for k, v in body.items() if k in _SECRET_BODY_FIELDS and isinstance(v, str)]
    return found


def _guard_reply(error: ApiError) -> dict[str, Any]:
    return as_proxy_result(error_response(error))


def as_proxy_result(response: Response[Any]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {**JSON_HEADERS, **response.headers},
        "body": response.body if isinstance(response.body, str) else to_json(response.body),
        "isBase64Encoded": False,
    }
