"""The admin tool's MAX command (beside ``set-vk`` and ``channels`` in ``ops.admin_channels``):

    set-max SLUG TOKEN_REF [--secret S] [--register PUBLIC_BASE_URL]

The bot token is a reference like the Telegram bot token (``secretsmanager:<id>``, or
``plain:<token>`` for local development only); it is used for MAX's calls and never printed. The
webhook secret is what MAX sends back in ``X-Max-Bot-Api-Secret``: given with ``--secret``, or
generated and printed once. ``--register`` subscribes the bot's webhook
(``<base-url>/webhook/max/<slug>``) with MAX's ``POST /subscriptions``.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from ops.admin_channels import ChannelAdminError, channel_command, secret_or_new, tenant_id, token_ref
from shared.channels import accounts
from shared.channels.base import Account, SendError
from shared.channels.max.channel import api
from shared.core import db

# the updates the CRM reads (others would only be acknowledged)
UPDATE_TYPES = ("message_created", "message_edited", "bot_started", "bot_stopped")
SECRET = re.compile(r"[\w-]{5,256}", re.ASCII)  # what MAX accepts as a subscription secret


def set_max(args: argparse.Namespace) -> str:
    ref = token_ref(args.token_ref)
    secret = secret_or_new(args.secret)
    if not SECRET.fullmatch(secret):
        raise ChannelAdminError("MAX's webhook secret is 5-256 characters of A-Z a-z 0-9 _ -")
    base = (args.register or "").strip().rstrip("/")
    if args.register is not None and not base.startswith("https://"):
        raise ChannelAdminError("MAX delivers only to HTTPS: --register https://<the API's public base URL>")
    tenant = tenant_id(args.slug)
    lines = [f"MAX bot set for {args.slug} (token {ref.split(':', 1)[0]}:...)"]
    if base:  # first MAX, so that nothing is saved when it refuses
        url = f"{base}/webhook/max/{args.slug}"
        try:
            api(Account(tenant, args.slug, "max", secret, ref)).subscribe(url, secret, UPDATE_TYPES)
        except SendError as exc:
            raise ChannelAdminError(f"MAX refused the webhook {url}: {exc}") from None
        lines.append(f"webhook registered with MAX: {url} ({', '.join(UPDATE_TYPES)})")
    db.run(lambda conn: accounts.save(conn, tenant, "max", secret, ref, {}))
    if not args.secret:
        lines.append(f"webhook secret (shown once{'' if base else '; --register sends it to MAX'}): {secret}")
    return "\n".join(lines)


def add_commands(commands: Any) -> None:
    """Adds ``set-max`` to the admin tool's subparsers."""
    cmd = channel_command(
        commands,
        "set-max",
        "set a tenant's MAX bot (and register its webhook with MAX)",
        set_max,
        before_token={},
        reference="the bot token",
        key="the webhook secret",
    )
    cmd.add_argument("--register", metavar="BASE_URL", help="register <BASE_URL>/webhook/max/<slug> with MAX")
