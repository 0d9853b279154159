"""A channel account's access token from its reference, as for the Telegram bot token:
``secretsmanager:<secret id or ARN>`` (the secret's string, or JSON with ``token``/``access_token``/
``bot_token``) or ``plain:<token>`` (local development and tests only: refused in Lambda, so a real
token never sits in a database column)."""

from __future__ import annotations

import json

from shared.channels.base import Account, Unavailable
from shared.core import secret_values
from shared.core.observability import logger, mask
from shared.core.settings import get_settings


def token(account: Account) -> str:
    """The account's token (registered with ``mask``); ``Unavailable`` when there is none."""
    scheme, _, value = (account.token_ref or "").partition(":")
    found: str | None = None
    if scheme == "plain" and get_settings().aws_lambda_function_name:
        logger.error("plain: token reference refused outside local development", extra={"channel": account.channel})
        raise Unavailable(f"This shop's {account.channel} token must be kept in Secrets Manager.")
    if scheme == "plain":
        found = value
    elif scheme == "secretsmanager" and value:
        try:
            found = _from_secret(secret_values.secret_value(value))
        except Exception as exc:  # any AWS/parse failure: the channel is unusable, say so without details
            logger.error("channel token unavailable", extra={"channel": account.channel, "error": type(exc).__name__})
            raise Unavailable("token unavailable") from exc
    if not found:
        raise Unavailable(f"This shop has no {account.channel} token configured.")
    mask([found])
    return found


def _from_secret(raw: str) -> str:
    if raw.lstrip().startswith("{"):
        data = json.loads(raw)
        return str(data.get("token") or data.get("access_token") or data.get("bot_token") or "")
    return raw.strip()
