"""The Telegram Bot API client: ``sendMessage`` (and any method, ``call_bot``) through a tenant's bot.

One httpx client per container (imported lazily, so functions that never send don't pay for it),
explicit timeouts, one retry when the connection could not be made (the request never left, so
the retry cannot deliver twice). A read timeout is *not* retried: Telegram may have delivered.
A 429 with a short ``retry_after`` is waited out and sent once more (Telegram did not deliver it);
a 403 means the client blocked the bot (``ClientUnreachable``).

Bot API URLs contain the bot token, so neither URLs nor the token are ever logged; the token is
also registered with ``mask()`` in case anything else would print it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from shared.channels import http, secrets
from shared.core import metrics, tracing
from shared.core.errors import ChannelUnavailable, ClientUnreachable, channel_rate_limited
from shared.core.observability import logger, mask
from shared.core.settings import get_settings

if TYPE_CHECKING:
    import httpx

NO_BOT = "This shop has no Telegram bot configured."
PLAIN_REFUSED = "This shop's Telegram bot token must be kept in Secrets Manager (secretsmanager:<id>), not plain:."


def http_client() -> httpx.Client:
    """The container's HTTP client for the Bot API: it follows no redirect (a URL carries the token)."""
    return http.client(follow_redirects=False)


def bot_token(ref: str | None, tenant: str | None = None) -> str:
    """The bot token a tenant's ``telegram_bot_token_ref`` points at:
    ``secretsmanager:<secret id or ARN>`` (the secret's string, or JSON with ``bot_token``/``token``),
    or ``plain:<token>`` (local development and tests only: refused in Lambda, so that a real bot
    token never sits in a database column)."""
    try:
        token = secrets.resolve(ref, keys=("bot_token", "token"))
    except secrets.PlainRefused:
        logger.error("plain: bot token reference refused outside local development", extra={"tenant": tenant})
        raise ChannelUnavailable(PLAIN_REFUSED) from None
    except secrets.SecretUnavailable as exc:  # say so without details
        logger.error("telegram bot token unavailable", extra={"error": str(exc)})
        metrics.telegram_failed("no_bot")
        raise ChannelUnavailable() from exc
    if not token:
        metrics.telegram_failed("no_bot")
        raise ChannelUnavailable(NO_BOT)
    return token


def send_message(token: str, chat_id: int, text: str) -> int:
    """Send ``text`` to ``chat_id``; returns Telegram's message_id. See ``call_bot`` for failures."""
    result = call_bot(token, "sendMessage", {"chat_id": chat_id, "text": text})
    return int(result["message_id"])


Upload = tuple[str, tuple[str, bytes, str]]  # (form field, (file name, bytes, content type))


def call_bot(token: str, method: str, payload: dict[str, Any], upload: Upload | None = None) -> dict[str, Any]:
    """Call a Bot API ``method`` (with ``upload``: a multipart form carrying one file); returns its
    ``result``. A 429 whose ``retry_after`` is at most
    ``TELEGRAM_MAX_WAIT_S`` is waited out and the call made once more. Raises ``ClientUnreachable``
    when Telegram answers 403 (the client blocked the bot), ``ChannelUnavailable`` (502, with
    ``Retry-After`` for a longer rate limit) for any other refusal, HTTP error or timeout."""
    mask([token])
    url = f"{get_settings().telegram_api_base_url.rstrip('/')}/bot{token}/{method}"
    response = _post(url, payload, method, upload)
    body = http.json_object(response)
    retry_after = _retry_after(body) if response.status_code == 429 else None
    if retry_after is not None and retry_after <= get_settings().telegram_max_wait_s:
        logger.warning("telegram rate limit: waiting, then sending once more", extra={"retry_after_s": retry_after})
        time.sleep(retry_after)
        response = _post(url, payload, method, upload)
        body = http.json_object(response)
    result = body.get("result")
    if response.status_code == 200 and body.get("ok") and isinstance(result, dict):
        return result
    logger.error(
        "telegram refused the message",
        extra={
            "method": method,
            "status": response.status_code,
            "error_code": body.get("error_code"),
            "description": str(body.get("description", ""))[:200],
        },
    )
    metrics.telegram_failed(metrics.telegram_failure_kind(response.status_code))
    if response.status_code == 403:
        raise ClientUnreachable()
    if response.status_code == 429 and (retry_after := _retry_after(body)) is not None:
        raise channel_rate_limited(retry_after)
    raise ChannelUnavailable()


def _post(url: str, payload: dict[str, Any], method: str, upload: Upload | None = None) -> httpx.Response:
    """POST (JSON, or a multipart form with ``upload``) with one retry when the connection could not
    be made (the request never left)."""
    import httpx

    client = http_client()
    for attempt in (1, 2):
        try:
            with tracing.span("telegram", method=method):
                if upload is None:
                    return client.post(url, json=payload)
                field, file = upload
                return client.post(url, data=payload, files={field: file})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            if attempt == 1:
                logger.warning("telegram connection failed, retrying once", extra={"error": type(exc).__name__})
                continue
            logger.error("telegram unreachable", extra={"error": type(exc).__name__})
            metrics.telegram_failed("unreachable")
            raise ChannelUnavailable() from exc
        except httpx.HTTPError as exc:  # read/write timeouts, broken connections: maybe delivered, no retry
            logger.error("telegram request failed", extra={"error": type(exc).__name__})
            metrics.telegram_failed("timeout" if isinstance(exc, httpx.TimeoutException) else "request_failed")
            raise ChannelUnavailable() from exc
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises


def _retry_after(body: dict[str, Any]) -> int | None:
    """Telegram's ``parameters.retry_after`` (seconds) of a 429, if it sent one."""
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
