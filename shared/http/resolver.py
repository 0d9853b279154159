"""The one resolver factory: every function builds its Powertools resolver here, so every typed
error becomes API.md's envelope in one place, and every invocation gets the same guards
(body size, secret masking, correlation id)."""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter, ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging.formatter import BasePowertoolsFormatter
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from shared.core import metrics
from shared.core.errors import ApiError, NotFound, PayloadTooLarge
from shared.core.observability import forget_request_secrets, logger, mask
from shared.core.settings import check_at_cold_start, get_settings
from shared.http import guards as request_guard
from shared.http import validation

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_SECRET_HEADERS = frozenset(("authorization", "x-session-token", "x-telegram-bot-api-secret-token"))
_SECRET_BODY_FIELDS = ("password", "current_password", "new_password", "session_token", "fcm_token")

_PARAM = re.compile(r"<\w+>|\{\w+\+?\}")  # a path parameter, as Powertools (<id>) or API Gateway ({id}) writes it

# Every JSON answer: UTF-8, Cyrillic as is (no \u escapes), compact.
JSON_UTF8 = "application/json; charset=utf-8"


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, cls=Encoder)


def error_response(error: ApiError, correlation_id: str | None = None) -> Response[Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.status >= 500 and correlation_id:
        body["correlation_id"] = correlation_id
    return Response(
        status_code=error.status,
        content_type=JSON_UTF8,
        body=to_json({"success": False, "error": body}),
        headers=error.headers,
    )


def _api_error(exc: ApiError) -> Response[Any]:
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
    return error_response(exc, logger.get_correlation_id())


def _invalid(exc: Any) -> Response[Any]:
    """Powertools' RequestValidationError, for a route that still uses its validation."""
    return error_response(validation.invalid(list(exc.errors())))


def _no_route(exc: NotFoundError) -> Response[Any]:
    return error_response(NotFound())


def _bug(exc: Exception) -> Response[Any]:
    logger.exception("unhandled error", extra={"error": type(exc).__name__})
    return error_response(ApiError(), logger.get_correlation_id())


class _ResponseBuilder(ResponseBuilder[Any]):
    """For a text body on a route that compresses nothing, adds no CORS or cache headers and sets
    no cookies (all of ours), the HTTP API result is written directly: what Powertools' ``build``
    returns then, without its per-response Accept-Encoding look and header serializer."""

    def build(self, event: Any, cors: Any = None) -> dict[str, Any]:
        response, route = self.response, self.route
        if (
            type(response.body) is not str
            or response.cookies
            or response.compress
            or route is None
            or route.compress
            or route.cors
            or route.cache_control
        ):
            return super().build(event, cors)
        headers = {k: v if isinstance(v, str) else ", ".join(v) for k, v in response.headers.items() if v is not None}
        return {
            "statusCode": response.status_code,
            "body": response.body,
            "isBase64Encoded": False,
            "headers": headers,
            "cookies": [],
        }


class _Resolver(APIGatewayHttpResolver):
    """Powertools' resolver with compiled request validation and direct model serialization.
    Powertools keeps the event being resolved (and its per-request ``context``) on the resolver,
    which is right in Lambda: one invocation at a time per process. The local gateway runs
    functions the same way (devtools/workers.py), so nothing here is made thread-safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._route_by_key: dict[Any, Any] = {}  # API Gateway's route key -> our route (or None)

    def resolve(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        """Powertools' ``resolve``, but the route is found from the ``routeKey`` API Gateway already
        matched (a dict lookup) instead of by trying every route's pattern in turn; the path
        parameters still come from the route's own pattern. An event whose route key names none of
        this resolver's routes (``$default``, a hand-made event) goes the usual way."""
        route = self._route_for(event.get("routeKey")) if type(event) is dict else None
        found = route.rule.match(event.get("rawPath") or "") if route is not None else None
        if found is None:
            return super().resolve(event, context)
        BaseRouter.current_event = self._to_proxy_event(event)
        BaseRouter.lambda_context = context
        self.context["_route"], self.context["_path"] = route, event["rawPath"]
        try:
            return self._build_response(self._call_route(route, found.groupdict()))
        finally:
            self.context.clear()

    def _route_for(self, route_key: Any) -> Any:
        """The route API Gateway's ``"GET /items/{id}"`` names (declared here as ``/items/<id>``)."""
        known = self._route_by_key
        if route_key not in known:
            wanted = _PARAM.sub("{}", route_key) if isinstance(route_key, str) else None
            routes = self._static_routes + self._dynamic_routes
            known[route_key] = next((r for r in routes if f"{r.method} {_PARAM.sub('{}', r.path)}" == wanted), None)
        return known[route_key]

    def _call_route(self, route: Any, route_arguments: dict[str, str]) -> Any:
        """Validate the request with the route's compiled validators (shared/http/validation.py) and
        call the handler with the result; Powertools' generic middleware stays out of the way."""
        inputs = validation.inputs(route)
        if inputs.needs_powertools:  # a parameter kind we do not compile: Powertools validates it
            self._use_powertools_validation(route)
            return super()._call_route(route, route_arguments)
        try:
            arguments = inputs.arguments(self.current_event, route_arguments)
        except Exception as exc:
            handled = self._call_exception_handler(exc, route)
            if handled is None:
                raise
            return handled
        if self._router_middlewares or route.middlewares:
            return super()._call_route(route, arguments)
        try:  # no middleware: call the handler directly rather than through Powertools' middleware frames
            response = self._to_response(route.func(**arguments))
        except Exception as exc:
            handled = self._call_exception_handler(exc, route)
            if handled is None:
                raise
            return handled
        return self._response_builder_class(response=response, serializer=self._serializer, route=route)

    def _to_response(self, result: Any) -> Any:
        """A returned model is serialized by pydantic-core straight to UTF-8 JSON, as its declared type."""
        if isinstance(result, BaseModel):
            route = self.context.get("_route")
            body = validation.inputs(route).serialize(result) if route is not None else result.model_dump_json()
            return Response(status_code=getattr(route, "status_code", None) or 200, content_type=JSON_UTF8, body=body)
        return super()._to_response(result)

    def _use_powertools_validation(self, route: Any) -> None:
        from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

        route.enable_validation = True
        self.exception_handler(RequestValidationError)(_invalid)


def create_app() -> APIGatewayHttpResolver:
    """A resolver with request validation (compiled per route, on its first request) and API.md's
    error envelope for every failure. ``enable_validation`` stays off: Powertools still builds the
    OpenAPI document from the same signatures and models (devtools/openapi.py)."""
    app = _Resolver(serializer=to_json)
    app._response_builder_class = _ResponseBuilder
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(NotFoundError)(_no_route)
    app.exception_handler(Exception)(_bug)
    return app


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(base64.b64decode(body, validate=False))
    return len(body.encode())


def lambda_entry(app: APIGatewayHttpResolver, *, lenient_body: bool = False) -> LambdaHandler:
    """The function's ``lambda_handler``: guards, then ``app.resolve``. ``lenient_body`` (the Telegram
    webhook): a body that cannot be read is acknowledged with 200 instead of refused."""
    guard = request_guard.RequestGuard.for_app(app, _guard_reply, lenient_body=lenient_body)
    check_at_cold_start()

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        _log_context(event, context)
        forget_request_secrets()
        if _body_size(event) > get_settings().max_body_bytes:
            return as_proxy_result(error_response(PayloadTooLarge()))
        if (refused := guard.check(event)) is not None:
            return refused
        mask(_request_secrets(event))
        return app.resolve(event, context)

    return metrics.flushing(handler)


_cold_start = [True]


def _log_context(event: dict[str, Any], context: LambdaContext) -> None:
    """What ``logger.inject_lambda_context(correlation_id_path=API_GATEWAY_HTTP, clear_state=True)``
    puts on every log line (the Lambda context, cold_start, the request id as correlation_id): the
    keys ``logger.structure_logs`` would set, given to the formatter directly, without the JMESPath
    query, the context model and the handler lookups that cost more than the rest of the wrapper."""
    cold, _cold_start[0] = _cold_start[0], False
    formatter = _formatter()
    formatter.clear_state()
    formatter.thread_safe_clear_keys()
    formatter.append_keys(
        service=logger.service,
        sampling_rate=logger.sampling_rate,
        cold_start=cold,
        function_name=context.function_name,
        function_memory_size=context.memory_limit_in_mb,
        function_arn=context.invoked_function_arn,
        function_request_id=context.aws_request_id,
        correlation_id=(event.get("requestContext") or {}).get("requestId"),
    )


@functools.cache
def _formatter() -> BasePowertoolsFormatter:
    return logger.registered_formatter


def _request_secrets(event: dict[str, Any]) -> list[str | None]:
    """Every secret the request carries, so that none of them can reach a log line."""
    found: list[str | None] = [v for k, v in (event.get("headers") or {}).items() if k.lower() in _SECRET_HEADERS]
    if query := event.get("queryStringParameters"):
        found.append(query.get("session_token"))
    if (text := event.get("body")) and not event.get("isBase64Encoded"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            found += [v for k, v in body.items() if k in _SECRET_BODY_FIELDS and isinstance(v, str)]
    return found


def _guard_reply(error: ApiError) -> dict[str, Any]:
    return as_proxy_result(error_response(error))


def as_proxy_result(response: Response[Any]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": JSON_UTF8, **response.headers},
        "body": response.body if isinstance(response.body, str) else to_json(response.body),
        "isBase64Encoded": False,
    }
