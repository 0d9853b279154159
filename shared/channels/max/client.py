"""The MAX Bot API client: one bot (its token) talking to ``MAX_API_BASE_URL`` over HTTPS.

What the channel needs and nothing more: ``POST /messages?user_id=`` (text, attachments),
``POST /uploads?type=`` then the upload itself (the attachment is then sent by its token),
``GET /videos/{token}`` (where an incoming video's file is), ``GET /me`` and ``POST /subscriptions``
(the admin tool); incoming files are fetched by ``shared.channels.http.download``. The token
travels in the ``Authorization`` header (MAX no longer accepts it as a query parameter), so URLs
carry no secret; it is still never logged.

Failures, as MAX answers them (``{"code": ..., "message": ...}`` with an HTTP status):

- ``attachment.not.ready``: a freshly uploaded file is still being processed; MAX created no
  message, so the same request is sent again after a short, growing wait (``NOT_READY_WAITS_S``);
- 429 (``too.many.requests``, without Retry-After; MAX allows 30 requests a second and two
  messages a second per dialog): MAX created nothing, so one more try after a second, then
  ``RateLimited`` (the operator is told to retry in ``RETRY_AFTER_S``);
- 403 (the client stopped or blocked the bot; ``chat.denied``): ``Unreachable``;
- anything else, a timeout, a broken connection: ``Unavailable`` (a read timeout is not retried:
  MAX may have delivered). A connection that could not be made is retried once (nothing left).

MAX has no idempotency key of its own: a retry here only ever repeats a request MAX refused or
never received, so one outgoing message is never delivered twice by this client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from shared.channels import http
from shared.channels.base import RateLimited, Unavailable, Unreachable
from shared.core import tracing
from shared.core.observability import logger, mask

if TYPE_CHECKING:
    import httpx

UploadType = Literal["image", "video", "audio", "file"]
NOT_READY = "attachment.not.ready"
NOT_READY_WAITS_S: tuple[float, ...] = (0.5, 1.0, 2.0)  # then Unavailable: a send must fit the function's 10 s
RATE_LIMIT_WAIT_S = 1.0  # MAX's limits are per second: one more try after this
RETRY_AFTER_S = 2  # what the operator is told (MAX's 429 carries no Retry-After)
UPLOAD_TIMEOUT_S = 30.0  # one upload of up to 20 MB (other calls: the channels' client's timeouts)
# an incoming video's files (GET /videos/{token}), the one to fetch first: the first that exists
VIDEO_QUALITIES = ("mp4_720", "mp4_480", "mp4_360", "mp4_240", "mp4_144", "mp4_1080")


class MaxApi:
    """One bot's calls. ``sleep`` is the wait between retries (tests pass a recorder)."""

    def __init__(self, base_url: str, token: str, *, sleep: Callable[[float], None] = time.sleep) -> None:
        mask([token])
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.sleep = sleep

    # --- messages ---

    def send_message(self, user_id: int, text: str | None, attachments: Sequence[Mapping[str, Any]] = ()) -> str:
        """Send a message to the user's dialog with the bot; MAX's id of it (``body.mid``)."""
        body: dict[str, Any] = {"text": text or None, "attachments": list(attachments) or None}
        response = self._send({"user_id": str(user_id)}, body)
        message = http.json_object(response).get("message")
        mid = message.get("body", {}).get("mid") if isinstance(message, dict) else None
        if not isinstance(mid, str) or not mid:
            logger.error("max answered a sent message without its id")
            raise Unavailable("max answer without a message id")
        return mid

    def _send(self, query: dict[str, str], body: dict[str, Any]) -> httpx.Response:
        waits = iter(NOT_READY_WAITS_S)
        rate_limited_once = False
        while True:
            response = self._call("POST", "/messages", params=query, json=body)
            if response.status_code == 200:
                return response
            code = _error_code(response)
            if code == NOT_READY and (wait := next(waits, None)) is not None:
                logger.info("max: attachment not ready yet, sending again", extra={"wait_s": wait})
                self.sleep(wait)
                continue
            if response.status_code == 429 and not rate_limited_once:
                rate_limited_once = True
                logger.warning("max rate limit: waiting, then sending once more")
                self.sleep(RATE_LIMIT_WAIT_S)
                continue
            raise _failure("messages", response, code)

    # --- files ---

    def upload(self, upload_type: UploadType, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        """Upload one file; the attachment to send it with (``{"type": ..., "payload": ...}``)."""
        endpoint = http.json_object(self._checked("POST", "/uploads", params={"type": upload_type}))
        url, token = endpoint.get("url"), endpoint.get("token")
        if not isinstance(url, str) or not url:
            raise Unavailable("max gave no upload url")
        # The upload URL is MAX's file server (signed): no Authorization header goes there.
        response = self._request(
            "POST", url, "upload", files={"data": (file_name, data, mime_type)}, auth=False, timeout=UPLOAD_TIMEOUT_S
        )
        if response.status_code != 200:
            raise _failure("upload", response, _error_code(response))
        answer = http.json_object(response)
        payload: dict[str, Any] | None
        if upload_type == "image":  # {"photos": {<id>: {"token": ...}}}, sent back as it is
            payload = answer if isinstance(answer.get("photos"), dict) and answer["photos"] else None
        else:  # video/audio: the token came with the URL (the upload answers XML); a file's comes now
            found = token if upload_type in ("video", "audio") else answer.get("token")
            payload = {"token": found} if isinstance(found, str) and found else None
        if payload is None:
            raise Unavailable(f"max {upload_type} upload answered no token")
        return {"type": upload_type, "payload": payload}

    def video_url(self, token: str) -> str:
        """The URL of an incoming video's file (``GET /videos/{token}``)."""
        urls = http.json_object(self._checked("GET", f"/videos/{quote(token, safe='')}")).get("urls")
        found = [urls.get(q) for q in VIDEO_QUALITIES] if isinstance(urls, dict) else []
        url = next((u for u in found if isinstance(u, str) and u), None)
        if url is None:
            raise Unavailable("max has no file for this video")
        return url

    # --- the bot and its webhook ---

    def me(self) -> dict[str, Any]:
        """The bot itself (``GET /me``): checks the token."""
        return http.json_object(self._checked("GET", "/me"))

    def subscribe(self, url: str, secret: str, update_types: Sequence[str]) -> None:
        """Register the webhook (``POST /subscriptions``): MAX then POSTs every update to ``url``
        with ``X-Max-Bot-Api-Secret: <secret>``."""
        body = {"url": url, "secret": secret, "update_types": list(update_types)}
        answer = http.json_object(self._checked("POST", "/subscriptions", json=body))
        if answer.get("success") is not True:
            logger.error("max refused the subscription", extra={"max_message": str(answer.get("message", ""))[:200]})
            raise Unavailable(f"max refused the subscription: {str(answer.get('message', ''))[:200]}")

    def subscriptions(self) -> list[dict[str, Any]]:
        """The bot's webhook subscriptions (``GET /subscriptions``)."""
        found = http.json_object(self._checked("GET", "/subscriptions")).get("subscriptions")
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []

    # --- HTTP ---

    def _checked(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._call(method, path, **kwargs)
        if response.status_code != 200:
            raise _failure(path.strip("/").split("/")[0], response, _error_code(response))
        return response

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._request(method, self.base_url + path, path.strip("/").split("/")[0], **kwargs)

    def _request(self, method: str, url: str, what: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        """One request, retried once when the connection could not be made (nothing was sent)."""
        import httpx

        headers = {"Authorization": self.token} if auth else {}
        for attempt in (1, 2):
            try:
                with tracing.span("max", method=what):
                    return http.client().request(method, url, headers=headers, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt == 1:
                    logger.warning("max connection failed, retrying once", extra={"error": type(exc).__name__})
                    continue
                logger.error("max unreachable", extra={"call": what, "error": type(exc).__name__})
                raise Unavailable("max unreachable") from exc
            except httpx.HTTPError as exc:  # timeouts after sending, broken connections: maybe delivered
                logger.error("max request failed", extra={"call": what, "error": type(exc).__name__})
                raise Unavailable(f"max request failed: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises


def _failure(what: str, response: httpx.Response, code: str | None) -> Exception:
    """The typed error for MAX's refusal (logged with its status and code, never the token)."""
    status = response.status_code
    logger.error("max refused the call", extra={"call": what, "status": status, "max_code": code})
    if status == 403:
        return Unreachable()
    if status == 429:
        return RateLimited(RETRY_AFTER_S, "MAX")
    if status == 401:
        return Unavailable("max refused the bot token", "MAX refused the shop's bot token.")
    if code == NOT_READY:
        return Unavailable(f"max answered {status} {code}", "MAX is still processing the file: send it again shortly.")
    return Unavailable(f"max answered {status} {code or ''}".strip())


def _error_code(response: httpx.Response) -> str | None:
    code = http.json_object(response).get("code")
    return code if isinstance(code, str) else None
