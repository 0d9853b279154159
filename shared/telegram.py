"""The Telegram Bot API client: ``sendMessage`` through a tenant's bot.

One httpx client per container (imported lazily, so functions that never send don't pay for it),
explicit timeouts, one retry when the connection could not be made (the request never left, so
the retry cannot deliver twice). A read timeout is *not* retried: Telegram may have delivered.

Bot API URLs contain the bot token, so neither URLs nor the token are ever logged; the token is
also registered with ``mask()`` in case anything else would print it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from shared import config
from shared.errors import ChannelUnavailable
from shared.observability import logger, mask
from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx

_lock = threading.Lock()
_client: tuple[Settings, httpx.Client] | None = None

NO_BOT = "This shop has no Telegram bot configured."
PLAIN_REFUSED = "This shop's Telegram bot token must be kept in Secrets Manager (secretsmanager:<id>), not plain:."


def _http() -> httpx.Client:
    """The container's HTTP client (rebuilt only when the settings were reloaded: tests, tools)."""
    global _client
    settings = get_settings()
    with _lock:
        if _client is None or _client[0] is not settings:
            import httpx

            # httpx logs every request URL at INFO; a Bot API URL carries the token.
            for name in ("httpx", "httpcore"):
                logging.getLogger(name).setLevel(logging.WARNING)
            if _client is not None:
                _client[1].close()
            timeout = httpx.Timeout(settings.telegram_timeout_s, connect=settings.telegram_connect_timeout_s)
            _client = (settings, httpx.Client(timeout=timeout, follow_redirects=False))
        return _client[1]


def bot_token(ref: str | None, tenant: str | None = None) -> str:
    """The bot token a tenant's ``telegram_bot_token_ref`` points at:
    ``secretsmanager:<secret id or ARN>`` (the secret's string, or JSON with ``bot_token``/``token``),
    or ``plain:<token>`` (local development and tests only: refused in Lambda, so that a real bot
    token never sits in a database column)."""
    scheme, _, value = (ref or "").partition(":")
    token: str | None = None
    if scheme == "plain" and get_settings().aws_lambda_function_name:
        logger.error("plain: bot token reference refused outside local development", extra={"tenant": tenant})
        raise ChannelUnavailable(PLAIN_REFUSED)
    if scheme == "plain":
        token = value
    elif scheme == "secretsmanager" and value:
        try:
            token = _token_from_secret(config.secret_value(value))
        except Exception as exc:  # any AWS/parse failure: the channel is unusable, say so without details
            logger.error("telegram bot token unavailable", extra={"error": type(exc).__name__})
            raise ChannelUnavailable() from exc
    if not token:
        raise ChannelUnavailable(NO_BOT)
    mask([token])
    return token


def _token_from_secret(raw: str) -> str:
    import json

    if raw.lstrip().startswith("{"):
        data = json.loads(raw)
        return str(data.get("bot_token") or data.get("token") or "")
    return raw.strip()


def send_message(token: str, chat_id: int, text: str) -> int:
    """Send ``text`` to ``chat_id``; returns Telegram's message_id. Refusal, HTTP errors and
    timeouts raise ``ChannelUnavailable``."""
    import httpx

    mask([token])
    url = f"{get_settings().telegram_api_base_url.rstrip('/')}/bot{token}/sendMessage"
    payload = {"chat_id": chat_id, "text": text}
    client = _http()
    for attempt in (1, 2):
        try:
            response = client.post(url, json=payload)
            break
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            if attempt == 1:
                logger.warning("telegram connection failed, retrying once", extra={"error": type(exc).__name__})
                continue
            logger.error("telegram unreachable", extra={"error": type(exc).__name__})
            raise ChannelUnavailable() from exc
        except httpx.HTTPError as exc:  # read/write timeouts, broken connections: maybe delivered, no retry
            logger.error("telegram request failed", extra={"error": type(exc).__name__})
            raise ChannelUnavailable() from exc
    else:  # pragma: no cover - the loop always breaks or raises
        raise AssertionError("unreachable")
    body = _json(response)
    result = body.get("result") if isinstance(body, dict) else None
    if response.status_code != 200 or not body.get("ok") or not isinstance(result, dict):
        logger.error(
            "telegram refused the message",
            extra={
                "status": response.status_code,
                "error_code": body.get("error_code"),
                "description": str(body.get("description", ""))[:200],
            },
        )
        raise ChannelUnavailable()
    return int(result["message_id"])


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
