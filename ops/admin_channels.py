"""The admin tool's channel commands (beside Telegram's in ``ops.admin_telegram``):

    set-vk SLUG GROUP_ID CONFIRMATION TOKEN_REF [--secret S]   # a community's Callback API settings
    channels SLUG [PUBLIC_BASE_URL]     # each channel the tenant has, with the webhook URL to paste

VK's secret is the "Secret key" of the community's Callback API settings: given with ``--secret``,
or generated and printed once. The access token is a reference like the Telegram bot token
(``secretsmanager:<id>``, or ``plain:<token>`` for local development only); never printed.
"""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from shared.auth import tenants_sql as tenants
from shared.channels import accounts
from shared.core import db

REF_SCHEMES = ("secretsmanager:", "plain:")
PATHS = {"telegram": "/webhook/telegram/{slug}", "vk": "/webhook/vk/{slug}", "max": "/webhook/max/{slug}"}


class ChannelAdminError(Exception):
    pass


def tenant_id(slug: str) -> Any:
    found = db.run(lambda conn: tenants.find_bot(conn, slug))
    if found is None:
        raise ChannelAdminError(f"no tenant with slug {slug!r}")
    return found.id


def secret_or_new(given: str | None) -> str:
    """The webhook secret the admin gave, else a new one (which the command then prints once)."""
    return (given or "").strip() or secrets.token_urlsafe(24)


def token_ref(raw: str) -> str:
    """A token reference as the admin typed it (a bare secret ARN is accepted)."""
    ref = raw.strip()
    if ref.startswith("arn:") and ":secretsmanager:" in ref:
        ref = f"secretsmanager:{ref}"
    if not ref.startswith(REF_SCHEMES) or ref.endswith(":"):
        raise ChannelAdminError(
            "the token reference is secretsmanager:<secret id or ARN> or plain:<token> (local only)"
        )
    return ref


def set_vk(args: argparse.Namespace) -> str:
    if not args.group_id.isdigit() or int(args.group_id) <= 0:
        raise ChannelAdminError("the group id is the community's number (the digits of club<N>)")
    confirmation = args.confirmation.strip()
    if not confirmation:
        raise ChannelAdminError("give the confirmation string VK shows in the Callback API settings")
    ref = token_ref(args.token_ref)
    secret = secret_or_new(args.secret)
    tenant = tenant_id(args.slug)
    settings = {"group_id": str(int(args.group_id)), "confirmation": confirmation}
    db.run(lambda conn: accounts.save(conn, tenant, "vk", secret, ref, settings))
    said = "" if args.secret else f"\nsecret key (paste into VK's Callback API settings; shown once): {secret}"
    return f"VK community {settings['group_id']} set for {args.slug} (token {ref.split(':', 1)[0]}:...){said}"


def list_channels(args: argparse.Namespace) -> str:
    tenant = tenant_id(args.slug)
    rows = db.run(lambda conn: accounts.of_tenant(conn, tenant))
    base = (args.base_url or "").strip().rstrip("/")
    lines = []
    for row in rows:
        path = PATHS[row.channel].format(slug=args.slug)
        ready = "ready" if row.secret and row.token_ref else "no token" if row.secret else "not configured"
        extra = f" group {row.settings['group_id']}" if row.settings and "group_id" in row.settings else ""
        lines.append(f"{row.channel:<9} {ready:<15}{extra:<16} {base}{path}")
    return "\n".join(lines)


def channel_command(
    commands: Any, name: str, about: str, run: Any, *, before_token: dict[str, str], reference: str, key: str
) -> Any:
    """A set-<channel> command: SLUG, ``before_token``'s arguments, TOKEN_REF (``reference``: the
    token it refers to) and --secret (``key``: which secret it is)."""
    cmd = commands.add_parser(name, help=about)
    cmd.add_argument("slug")
    for argument, text in before_token.items():
        cmd.add_argument(argument, help=text)
    cmd.add_argument("token_ref", help=f"{reference}: secretsmanager:<secret id or ARN> | plain:<token>")
    cmd.add_argument("--secret", help=f"{key} (default: generated and printed once)")
    cmd.set_defaults(run=run)
    return cmd


def add_commands(commands: Any) -> None:
    """Adds the commands to the admin tool's subparsers."""
    channel_command(
        commands,
        "set-vk",
        "set a tenant's VK community (Callback API)",
        set_vk,
        before_token={
            "group_id": "the community's id (digits)",
            "confirmation": "the confirmation string VK shows in the Callback API settings",
        },
        reference="the community access token",
        key="the Callback API secret key",
    )
    listing = commands.add_parser("channels", help="a tenant's channels and the webhook URL of each")
    listing.add_argument("slug")
    listing.add_argument("base_url", nargs="?", help="the API's public base URL (the stack's ApiUrl output)")
    listing.set_defaults(run=list_channels)
