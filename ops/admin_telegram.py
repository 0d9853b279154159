"""The admin tool's Telegram commands: a tenant's bot token reference, registering the webhook
with Telegram (``setWebhook``) and showing what Telegram knows about it (``getWebhookInfo``:
pending updates, the last delivery error) - the first place to look when messages never arrive.

The bot token is used for the calls and never printed (Bot API URLs carry it).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from shared.auth import tenants_sql as tenants
from shared.channels.telegram import bot as telegram_bot
from shared.core import db
from shared.core.errors import ApiError
from shared.core.observability import logger
from shared.core.settings import get_settings

ALLOWED_UPDATES = ["message", "edited_message", "my_chat_member"]
WEBHOOK_PATH = "/webhook/telegram/{slug}"
REF_SCHEMES = ("secretsmanager:", "plain:")


class TelegramAdminError(Exception):
    pass


@contextmanager
def quiet_logs() -> Iterator[None]:
    """No JSON log lines from the shared code for a moment: the tool says what went wrong itself."""
    level = logger.log_level
    logger.setLevel("CRITICAL")
    try:
        yield
    finally:
        logger.setLevel(level)


def _tenant(slug: str) -> tenants.TenantBotRow:
    found = db.run(lambda conn: tenants.find_bot(conn, slug))
    if found is None:
        raise TelegramAdminError(f"no tenant with slug {slug!r}")
    return found


def _token(tenant: tenants.TenantBotRow) -> str:
    if not tenant.telegram_bot_token_ref:
        raise TelegramAdminError(
            f"tenant {tenant.slug} has no bot token: set one with set-bot-token {tenant.slug} <reference>"
        )
    try:
        with quiet_logs():
            return telegram_bot.bot_token(tenant.telegram_bot_token_ref)
    except ApiError as exc:
        why = "it is empty" if exc.message == telegram_bot.NO_BOT else "check the secret and the AWS credentials"
        raise TelegramAdminError(f"the bot token of {tenant.slug} cannot be read ({why})") from None


def call_bot_api(token: str, method: str, payload: dict[str, Any] | None = None) -> Any:
    """One Bot API call; Telegram's refusal or an unreachable server is a ``TelegramAdminError``
    whose text never contains the token."""
    import httpx

    settings = get_settings()
    url = f"{settings.telegram_api_base_url.rstrip('/')}/bot{token}/{method}"
    timeout = httpx.Timeout(settings.telegram_timeout_s, connect=settings.telegram_connect_timeout_s)
    try:
        response = httpx.post(url, json=payload or {}, timeout=timeout)
        body = response.json()
    except httpx.HTTPError as exc:
        raise TelegramAdminError(f"Telegram is unreachable ({type(exc).__name__})") from None
    except ValueError:
        raise TelegramAdminError(f"Telegram answered HTTP {response.status_code} without JSON") from None
    if not isinstance(body, dict) or not body.get("ok"):
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        raise TelegramAdminError(f"Telegram refused {method}: HTTP {response.status_code} {description}".rstrip())
    return body.get("result")


def webhook_url(base_url: str, slug: str) -> str:
    return base_url.rstrip("/") + WEBHOOK_PATH.format(slug=slug)


def set_bot_token(args: argparse.Namespace) -> str:
    ref = args.reference.strip()
    if ref.startswith("arn:") and ":secretsmanager:" in ref:  # a bare secret ARN
        ref = f"secretsmanager:{ref}"
    if not ref.startswith(REF_SCHEMES) or ref.endswith(":"):
        raise TelegramAdminError("the reference is secretsmanager:<secret id or ARN> or plain:<token> (local only)")
    if not db.run(lambda conn: tenants.set_bot_token_ref(conn, args.slug, ref)):
        raise TelegramAdminError(f"no tenant with slug {args.slug!r}")
    return f"bot token reference of {args.slug} set ({ref.split(':', 1)[0]}:...)"


def set_webhook(args: argparse.Namespace) -> str:
    base = args.base_url.strip()
    if not base.startswith(("https://", "http://")):
        raise TelegramAdminError("the public base URL starts with https:// (the stack's ApiUrl output)")
    tenant = _tenant(args.slug)
    url = webhook_url(base, args.slug)
    payload = {"url": url, "secret_token": tenant.telegram_webhook_secret, "allowed_updates": ALLOWED_UPDATES}
    call_bot_api(_token(tenant), "setWebhook", payload)
    return f"webhook of {args.slug} set: Telegram now posts {', '.join(ALLOWED_UPDATES)} to {url}"


def _when(unix: Any) -> str:
    return datetime.fromtimestamp(int(unix), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def webhook_info(args: argparse.Namespace) -> str:
    tenant = _tenant(args.slug)
    info = call_bot_api(_token(tenant), "getWebhookInfo") or {}
    lines = [
        f"url:                  {info.get('url') or '(none: Telegram sends this bot nothing; run set-webhook)'}",
        f"pending updates:      {info.get('pending_update_count', 0)}",
    ]
    if info.get("last_error_date"):
        lines.append(f"last error:           {_when(info['last_error_date'])}: {info.get('last_error_message', '')}")
    else:
        lines.append("last error:           none")
    if info.get("last_synchronization_error_date"):
        lines.append(f"last sync error:      {_when(info['last_synchronization_error_date'])}")
    if info.get("allowed_updates"):
        lines.append(f"allowed updates:      {', '.join(info['allowed_updates'])}")
    if info.get("max_connections"):
        lines.append(f"max connections:      {info['max_connections']}")
    if info.get("ip_address"):
        lines.append(f"ip address:           {info['ip_address']}")
    if info.get("url") and not str(info["url"]).endswith(WEBHOOK_PATH.format(slug=args.slug)):
        lines.append(f"warning: the url does not end with {WEBHOOK_PATH.format(slug=args.slug)}")
    return "\n".join(lines)


def add_commands(commands: Any) -> None:
    """Adds the commands to the admin tool's subparsers."""
    token = commands.add_parser("set-bot-token", help="set or change a tenant's Telegram bot token reference")
    token.add_argument("slug")
    token.add_argument(
        "reference", help="a secret's ARN, secretsmanager:<secret id or ARN>, or plain:<token> for local development"
    )
    token.set_defaults(run=set_bot_token)
    hook = commands.add_parser("set-webhook", help="register the tenant's webhook with Telegram (setWebhook)")
    hook.add_argument("slug")
    hook.add_argument("base_url", help="the API's public base URL, e.g. the stack's ApiUrl output")
    hook.set_defaults(run=set_webhook)
    info = commands.add_parser("webhook-info", help="what Telegram knows about the webhook (getWebhookInfo)")
    info.add_argument("slug")
    info.set_defaults(run=webhook_info)
