"""Administration of a deployment, from a shell that reaches its database (DATABASE_URL, or
DATABASE_SECRET_ARN with AWS credentials):

    python -m ops.admin create-tenant SLUG "Shop name" [--region RU] [--bot-token-ref REF]
    python -m ops.admin create-operator SLUG LOGIN "Full name" [--password-stdin]
    python -m ops.admin disable-operator LOGIN      # ends their sessions at once
    python -m ops.admin enable-operator LOGIN
    python -m ops.admin reset-password LOGIN [--password-stdin]   # ends their sessions
    python -m ops.admin list-sessions LOGIN
    python -m ops.admin revoke-sessions LOGIN
    python -m ops.admin set-bot-token SLUG REFERENCE   # secretsmanager:<secret id or ARN> | plain:<token>
    python -m ops.admin set-webhook SLUG PUBLIC_BASE_URL   # Telegram's setWebhook for /webhook/telegram/SLUG
    python -m ops.admin webhook-info SLUG               # Telegram's getWebhookInfo: pending, last error
    python -m ops.admin set-welcome-text SLUG "Text" | --clear   # the bot's answer to /start
    python -m ops.admin set-vk SLUG GROUP_ID CONFIRMATION TOKEN_REF [--secret S]   # a VK community
    python -m ops.admin set-max SLUG TOKEN_REF [--secret S] [--register PUBLIC_BASE_URL]   # a MAX bot
    python -m ops.admin channels SLUG [PUBLIC_BASE_URL]   # each channel's webhook URL to paste

From a checkout, run it as `make admin ARGS="..."` or `.venv/bin/python -m ops.admin ...`.

Generated passwords and webhook secrets are printed once; nothing else secret is ever printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys

import psycopg

from ops import admin_channels, admin_max, admin_telegram
from shared.auth import my_sessions, password_change, passwords
from shared.auth import operators_sql as operators
from shared.auth import sessions_sql as session_repo
from shared.auth import tenants_sql as tenants
from shared.auth.session_models import MIN_PASSWORD_LENGTH
from shared.core import db, secret_values
from shared.core.errors import ServiceUnavailable
from shared.core.settings import get_settings


class AdminError(Exception):
    pass


def _operator(login: str) -> operators.OperatorRow:
    found = db.run(lambda conn: operators.find_by_login(conn, login))
    if found is None:
        raise AdminError(f"no operator with login {login!r}")
    return found


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated (then it is printed once)."""
    if not from_stdin:
        return secrets.token_urlsafe(12), True
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password, False


def create_tenant(args: argparse.Namespace) -> str:
    secret = secrets.token_urlsafe(24)
    tenant_id = db.run(
        lambda conn: tenants.create(
            conn,
            slug=args.slug,
            name=args.name,
            phone_region=args.region.upper(),
            webhook_secret=secret,
            bot_token_ref=args.bot_token_ref,
        )
    )
    return f"tenant {args.slug} created: id {tenant_id}\nTelegram webhook secret (shown once): {secret}"


def create_operator(args: argparse.Namespace) -> str:
    password, generated = _new_password(args.password_stdin)
    row = db.run(
        lambda conn: operators.create_operator(
            conn,
            tenant_slug=args.tenant_slug,
            login=args.login.strip(),
            name=args.name,
            password_hash=passwords.hash_password(password),
        )
    )
    if row is None:
        raise AdminError(f"no tenant with slug {args.tenant_slug!r}")
    shown = f"\npassword (shown once): {password}" if generated else ""
    return f"operator {args.login} created: id {row.id}{shown}"


def set_active(args: argparse.Namespace, active: bool) -> str:
    def work(conn: db.Connection) -> int:
        row = operators.set_active(conn, args.login, active)
        if row is None:
            raise AdminError(f"no operator with login {args.login!r}")
        return 0 if active else session_repo.end_operators_sessions(conn, row.id, "disabled")

    ended = db.run(work, transaction=True)
    return f"operator {args.login} {'enabled' if active else f'disabled; {ended} session(s) ended'}"


def reset_password(args: argparse.Namespace) -> str:
    operator = _operator(args.login)
    password, generated = _new_password(args.password_stdin)
    ended = password_change.set_password(operator.id, password)
    shown = f"\nnew password (shown once): {password}" if generated else ""
    return f"password of {args.login} reset; {ended} session(s) ended{shown}"


def list_sessions(args: argparse.Namespace) -> str:
    operator = _operator(args.login)
    items = my_sessions.list_for_operator(operator.id, operator.tenant_id)
    return (
        "\n".join(json.dumps(item.model_dump(mode="json", exclude={"current"})) for item in items) or "no live sessions"
    )


def revoke_sessions(args: argparse.Namespace) -> str:
    operator = _operator(args.login)
    return f"{my_sessions.revoke_all(operator.id)} session(s) of {args.login} revoked"


def set_welcome_text(args: argparse.Namespace) -> str:
    text = None if args.clear else (args.text or "").strip() or None
    if text is None and not args.clear:
        raise AdminError("give the text, or --clear")
    if not db.run(lambda conn: tenants.set_welcome_text(conn, args.slug, text)):
        raise AdminError(f"no tenant with slug {args.slug!r}")
    return f"welcome text of {args.slug} {'cleared' if text is None else 'set'}"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m ops.admin", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = root.add_subparsers(dest="command", required=True)
    tenant = commands.add_parser("create-tenant", help="create a tenant (prints its webhook secret once)")
    tenant.add_argument("slug")
    tenant.add_argument("name")
    tenant.add_argument("--region", default="RU", help="default phone region (ISO 3166 code)")
    tenant.add_argument("--bot-token-ref", help="secretsmanager:<secret id> holding the Telegram bot token")
    tenant.set_defaults(run=create_tenant)
    operator = commands.add_parser("create-operator", help="create an operator (prints a generated password once)")
    operator.add_argument("tenant_slug")
    operator.add_argument("login")
    operator.add_argument("name")
    operator.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    operator.set_defaults(run=create_operator)
    for name, active in (("disable-operator", False), ("enable-operator", True)):
        cmd = commands.add_parser(name, help=f"{name.split('-')[0]} an operator")
        cmd.add_argument("login")
        cmd.set_defaults(run=lambda args, active=active: set_active(args, active))
    reset = commands.add_parser("reset-password", help="set a new password and end the operator's sessions")
    reset.add_argument("login")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(run=reset_password)
    for name, run in (("list-sessions", list_sessions), ("revoke-sessions", revoke_sessions)):
        cmd = commands.add_parser(name, help=name.replace("-", " "))
        cmd.add_argument("login")
        cmd.set_defaults(run=run)
    welcome = commands.add_parser("set-welcome-text", help="what the tenant's bot answers to /start")
    welcome.add_argument("slug")
    welcome.add_argument("text", nargs="?")
    welcome.add_argument("--clear", action="store_true", help="answer /start with nothing")
    welcome.set_defaults(run=set_welcome_text)
    admin_telegram.add_commands(commands)
    admin_channels.add_commands(commands)
    admin_max.add_commands(commands)
    return root


NO_DATABASE = 2


def _database_problem() -> str | None:
    """Why the database cannot be used, in one line (None when it can be reached)."""
    settings = get_settings()
    if not settings.database_url and not settings.database_secret_arn:
        return "no database configured: set DATABASE_URL (or DATABASE_SECRET_ARN), or use `make admin ARGS=...`"
    try:
        with admin_telegram.quiet_logs():  # the one line below says it; no JSON log line before it
            secret_values.database_url()
            db.connection()
    except ServiceUnavailable:
        return (
            "the database cannot be reached (check DATABASE_URL / DATABASE_SECRET_ARN and the network; "
            "locally, `make run` starts the embedded one)"
        )
    except Exception as exc:  # the secret could not be read: no credentials, no such secret...
        return f"the database secret cannot be read ({type(exc).__name__})"
    return None


def _warn_about_plain_bot_tokens() -> None:
    """A ``plain:`` bot token reference works only locally (Lambda refuses it): say which tenants have one.
    Best effort: a command that needed no database must not fail because there is none."""
    try:
        slugs = db.run(tenants.with_plain_bot_token)
    except Exception:  # no database, no warning
        return
    for slug in slugs:
        print(
            f"warning: tenant {slug} keeps its Telegram bot token in the database (plain:); the deployed "
            "functions refuse it. Store it in Secrets Manager and set secretsmanager:<secret id>.",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # a tool run is no invocation to measure
    problem = _database_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return NO_DATABASE
    try:
        print(args.run(args))
        _warn_about_plain_bot_tokens()
    except (AdminError, admin_telegram.TelegramAdminError, admin_channels.ChannelAdminError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except psycopg.errors.UniqueViolation:
        print("error: it exists already (tenant slugs and operator logins are unique)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
