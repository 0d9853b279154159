"""A channel's access token from its reference (the Telegram bot token too):
``secretsmanager:<secret id or ARN>`` (the secret's string, or JSON with ``token``/``access_token``/
``bot_token``) or ``plain:<token>`` (local development and tests only: refused in Lambda, so a real
token never sits in a database column)."""

from __future__ import annotations

import json

from shared.channels.base import Account, Unavailable
from shared.core import secret_values
from shared.core.observability import logger, mask
from shared.core.settings import get_settings

TOKEN_KEYS = ("token", "access_token", "bot_token")  # where a JSON secret keeps the token, in this order


class PlainRefused(Exception):
    """A ``plain:`` reference inside Lambda."""


class SecretUnavailable(Exception):
    """Secrets Manager failed, or the secret could not be read (the cause is chained)."""


def resolve(ref: str | None, keys: tuple[str, ...] = TOKEN_KEYS) -> str | None:
    """The token ``ref`` points at, registered with ``mask``; None when there is none."""
    scheme, _, value = (ref or "").partition(":")
    found: str | None = None
    if scheme == "plain" and get_settings().aws_lambda_function_name:
        raise PlainRefused()
    if scheme == "plain":
        found = value
    elif scheme == "secretsmanager" and value:
        try:
            found = _from_secret(secret_values.secret_value(value), keys)
        except Exception as exc:  # any AWS/parse failure: the channel is unusable
            raise SecretUnavailable(type(exc).__name__) from exc
    if found:
        mask([found])
    return found or None


def token(account: Account) -> str:
    """The account's token; ``Unavailable`` when there is none."""
    try:
        found = resolve(account.token_ref)
    except PlainRefused:
        logger.error("plain: token reference refused outside local development", extra={"channel": account.channel})
        raise Unavailable(f"This shop's {account.channel} token must be kept in Secrets Manager.") from None
    except SecretUnavailable as exc:  # say so without details
        logger.error("channel token unavailable", extra={"channel": account.channel, "error": str(exc)})
        raise Unavailable("token unavailable") from exc
    if not found:
        raise Unavailable(f"This shop has no {account.channel} token configured.")
    return found


def _from_secret(raw: str, keys: tuple[str, ...]) -> str:
    if raw.lstrip().startswith("{"):
        data = json.loads(raw)
        return str(next((data[key] for key in keys if data.get(key)), ""))
    return raw.strip()
