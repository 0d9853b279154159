"""Generic request guards, run by ``shared.http.resolver.lambda_entry`` before Powertools reads the
request. The guard is also where the JSON body is parsed, once: the resolver hands that value on.

Whatever the endpoint, a request is refused here (API.md "Everywhere") when its body is not valid
UTF-8, when JSON it carries nests deeper than ``MAX_DEPTH`` or holds a NUL character or a lone
surrogate (PostgreSQL stores neither), when a path or query value holds one, or when an endpoint
that reads a JSON body is sent another content type. These are 400 ``invalid_request`` and 415
``unsupported_media_type``; the request never reaches the resolver.

The Telegram webhook is lenient (``lenient_body=True``): Telegram retries any update it does not
get a 2xx for, for a day, holding back the updates behind it. A body it cannot even read there is
acknowledged with 200 and logged without its content; NUL and lone surrogates inside a readable
update are left to the webhook's own model, which cleans them.
"""

import base64
import binascii
import json
import re
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from shared.core.errors import ApiError, InvalidRequest, UnsupportedMediaType
from shared.core.observability import logger
from shared.core.records import Record

MAX_DEPTH = 32
# Lone UTF-16 surrogates (json.loads lets "\ud800" through) and NUL: PostgreSQL refuses both.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_MEDIA_TYPE = re.compile(r"^application/([a-z0-9.+-]*\+)?json$")

Reject = Callable[[ApiError], dict[str, Any]]


class Checked(Record):
    refused: dict[str, Any] | None  # the response to send instead of going on, or None
    text: str  # the body as text when it is JSON ("" when there is none, or it is not JSON)
    body: Any  # the JSON value it holds (None then)


class RequestGuard:
    """The checks for one function: ``inspect(event)`` says whether the request may go on, and
    gives its body read once; ``check(event)`` only the first part."""

    def __init__(self, reads_json: bool, lenient_body: bool, reject: Reject) -> None:
        self.reads_json = reads_json
        self.lenient_body = lenient_body
        self._reject = reject

    def check(self, event: dict[str, Any]) -> dict[str, Any] | None:
        return self.inspect(event).refused

    def inspect(self, event: dict[str, Any]) -> Checked:
        try:
            text, body = self._read(event)
        except _Acknowledge as ack:
            logger.warning("webhook body not readable; acknowledged and dropped", extra={"reason": ack.reason})
            acknowledged = {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json; charset=utf-8"},
                "body": '{"success":true}',
                "isBase64Encoded": False,
            }
            return Checked(acknowledged, "", None)
        except ApiError as error:
            logger.info("request refused by the guard", extra={"code": error.code, "reason": str(error)})
            return Checked(self._reject(error), "", None)
        return Checked(None, text, body)

    def _read(self, event: dict[str, Any]) -> tuple[str, Any]:
        params = event.get("pathParameters") or {}
        query = event.get("queryStringParameters") or {}
        for name, value in [*params.items(), *query.items()]:
            if _UNSTORABLE.search(str(name)) or _UNSTORABLE.search(str(value)):
                raise InvalidRequest("A path or query value holds a character that cannot be stored.")
        text = self._body_text(event)
        if not text:
            return text, None
        if self.reads_json and not self.lenient_body and not _is_json(event):
            raise UnsupportedMediaType()
        try:
            body = json.loads(text)
        except RecursionError:
            self._refuse("nested too deeply", f"The body nests deeper than {MAX_DEPTH} levels.")
            return text, None
        except ValueError:
            if self.lenient_body:
                raise _Acknowledge("not JSON") from None
            return "", None  # the resolver answers 400 "not valid JSON" where a body is read
        if _depth_exceeded(body):
            self._refuse("nested too deeply", f"The body nests deeper than {MAX_DEPTH} levels.")
        if not self.lenient_body and _holds_unstorable(body):
            raise InvalidRequest("The body holds a NUL character or an unpaired surrogate.")
        return text, body

    def _body_text(self, event: dict[str, Any]) -> str:
        body = event.get("body")
        if not body:
            return ""
        if not event.get("isBase64Encoded"):
            return str(body)
        try:
            return base64.b64decode(body, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            self._refuse("not UTF-8", "The body is not valid UTF-8.")
            return ""

    def _refuse(self, reason: str, message: str) -> None:
        if self.lenient_body:
            raise _Acknowledge(reason)
        raise InvalidRequest(message)


class _Acknowledge(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_json(event: dict[str, Any]) -> bool:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type")
    if content_type is None:
        return True  # nothing said: read as JSON, as the app always did
    return bool(_JSON_MEDIA_TYPE.match(content_type.split(";")[0].strip().lower()))


def _children(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return ()


def _depth_exceeded(body: Any) -> bool:
    """Iterative, so a deep body cannot exhaust the stack while it is measured."""
    level = [body]
    for _ in range(MAX_DEPTH):
        level = [child for value in level for child in _children(value) if isinstance(child, dict | list)]
        if not level:
            return False
    return True


def _holds_unstorable(body: Any) -> bool:
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return True
        else:
            stack.extend(_children(value))
    return False


def reads_json_body(handlers: Iterable[Callable[..., Any]]) -> bool:
    """Whether one of ``handlers`` takes a pydantic model, i.e. reads a JSON body."""
    for handler in handlers:
        try:
            hints = typing.get_type_hints(handler)
        except Exception:  # an unresolvable annotation: assume a body is read
            return True
        hints.pop("return", None)
        if any(_is_model(hint) for hint in hints.values()):
            return True
    return False


def _is_model(hint: Any) -> bool:
    """A pydantic model, also inside ``Optional``/``Annotated``/unions (``RejectRequest | None``)."""
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return True
    return any(_is_model(arg) for arg in typing.get_args(hint))
