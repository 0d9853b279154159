"""The one resolver factory: every function builds its Powertools resolver here, so every typed
error becomes API.md's envelope in one place, and every invocation gets the same guards
(body size, secret masking, correlation id)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import metrics, request_guard
from shared.errors import ApiError, InvalidRequest, NotFound, PayloadTooLarge
from shared.observability import forget_request_secrets, logger, mask
from shared.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_SECRET_HEADERS = ("authorization", "x-session-token", "x-telegram-bot-api-secret-token")
_SECRET_BODY_FIELDS = ("password", "current_password", "new_password", "session_token", "fcm_token")


def error_response(error: ApiError, correlation_id: str | None = None) -> Response[Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.status >= 500 and correlation_id:
        body["correlation_id"] = correlation_id
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body={"success": False, "error": body},
        headers=error.headers,
    )


def _describe_validation(exc: RequestValidationError) -> str:
    fields = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        if err.get("type") == "json_invalid":
            return "The body is not valid JSON."
        fields.append(".".join(loc) or "body")
    return "Invalid or missing field(s): " + ", ".join(dict.fromkeys(fields)) + "."


def _api_error(exc: ApiError) -> Response[Any]:
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code, "cause": type(exc.__cause__).__name__})
    return error_response(exc, logger.get_correlation_id())


def _invalid(exc: RequestValidationError) -> Response[Any]:
    errors = [{"loc": e.get("loc"), "type": e.get("type")} for e in exc.errors()]
    logger.info("invalid request", extra={"errors": errors})
    return error_response(InvalidRequest(_describe_validation(exc)))


def _no_route(exc: NotFoundError) -> Response[Any]:
    return error_response(NotFound())


def _bug(exc: Exception) -> Response[Any]:
    logger.exception("unhandled error", extra={"error": type(exc).__name__})
    return error_response(ApiError(), logger.get_correlation_id())


class _Resolver(APIGatewayHttpResolver):
    """Powertools keeps the event being resolved on a class attribute, which is right for Lambda (one
    invocation at a time per process) but mixes requests up when one process resolves several at
    once, as the local gateway and the concurrency tests do. Here the event is kept per thread."""

    _invocation = threading.local()

    def _to_proxy_event(self, event: dict[str, Any]) -> APIGatewayProxyEventV2:
        proxy = super()._to_proxy_event(event)
        self._invocation.event = proxy
        return proxy  # type: ignore[return-value]

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        self._invocation.context = context
        return super().resolve(event, context)

    @property  # type: ignore[override]
    def current_event(self) -> APIGatewayProxyEventV2:
        return self._invocation.event  # type: ignore[no-any-return]

    @current_event.setter
    def current_event(self, value: APIGatewayProxyEventV2) -> None:
        self._invocation.event = value

    @property
    def lambda_context(self) -> LambdaContext:
        return self._invocation.context  # type: ignore[no-any-return]

    @lambda_context.setter
    def lambda_context(self, value: LambdaContext) -> None:
        self._invocation.context = value


def create_app() -> APIGatewayHttpResolver:
    """A resolver with request validation and API.md's error envelope for every failure."""
    app = _Resolver(enable_validation=True)
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(RequestValidationError)(_invalid)
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

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        forget_request_secrets()
        if _body_size(event) > get_settings().max_body_bytes:
            return _as_proxy_result(error_response(PayloadTooLarge()))
        if (refused := guard.check(event)) is not None:
            return refused
        mask(_request_secrets(event))
        return app.resolve(event, context)

    return metrics.flushing(handler)


def _request_secrets(event: dict[str, Any]) -> list[str | None]:
    """Every secret the request carries, so that none of them can reach a log line."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    found: list[str | None] = [headers.get(name) for name in _SECRET_HEADERS]
    found += [(event.get("queryStringParameters") or {}).get("session_token")]
    try:
        body = json.loads(event.get("body") or "null") if not event.get("isBase64Encoded") else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        found += [v for k, v in body.items() if k in _SECRET_BODY_FIELDS and isinstance(v, str)]
    return found


def _guard_reply(error: ApiError) -> dict[str, Any]:
    return _as_proxy_result(error_response(error))


def _as_proxy_result(response: Response[Any]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **response.headers},
        "body": json.dumps(response.body),
        "isBase64Encoded": False,
    }
