"""`make run`: a database (DATABASE_URL, else an embedded PostgreSQL), migrations, demo data when
the database has no tenants, then every route of template.yaml at http://$HOST:$PORT
(HOST 127.0.0.1 by default; HOST=0.0.0.0 lets a phone on the same network reach it)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from devtools import seed
from shared.core import migrations, settings

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from devtools import embedded_pg

    url = embedded_pg.ensure_running()
    os.environ["DATABASE_URL"] = url
    settings.reset()
    print(f"embedded PostgreSQL running ({url}); `make db-stop` stops it")
    return url


def telegram_mode() -> str:
    """Without TELEGRAM_API_BASE_URL there is nothing to send to: outgoing messages are logged."""
    if os.environ.get("TELEGRAM_API_BASE_URL"):
        return f"Telegram: sending through {os.environ['TELEGRAM_API_BASE_URL']} with each tenant's bot"
    os.environ.setdefault("TELEGRAM_DRY_RUN", "true")
    settings.reset()
    return (
        "Telegram: TELEGRAM_DRY_RUN - no TELEGRAM_API_BASE_URL given, so answers and promos are logged and\n"
        "marked sent instead of going to Telegram (set TELEGRAM_API_BASE_URL=https://api.telegram.org and the\n"
        "tenant's telegram_bot_token_ref to send for real)"
    )


def port_problem(host: str, port: int) -> str | None:
    """One line saying why ``make run`` cannot listen on host:port (None when it can)."""
    try:
        socket.create_server((host, port)).close()  # SO_REUSEADDR, as the gateway binds
    except OSError as exc:
        if exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
            return f"port {port} is taken (another `make run`?): choose another with PORT={port + 1} make run"
        return f"cannot listen on {host}:{port} ({exc.strerror}): check HOST and PORT"
    return None


def lan_address() -> str:
    """This machine's address on its local network (the route to the outside world; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


ALL_INTERFACES = ("0.0.0.0", "::", "")  # noqa: S104 - recognising HOST=0.0.0.0, not binding


def public_base(host: str, port: int) -> str:
    """The base URL to give a client: on all interfaces, the one a phone on the same Wi-Fi uses."""
    return f"http://{lan_address() if host in ALL_INTERFACES else host}:{port}"


def banner(port: int, telegram: str = "", host: str = "127.0.0.1") -> str:
    base = f"http://127.0.0.1:{port}" if host == "127.0.0.1" else public_base(host, port)
    phone = (
        f"\nOn all interfaces: a phone on the same Wi-Fi uses the base URL {base}/\n" if host in ALL_INTERFACES else ""
    )
    logins = "\n".join(
        f"    {op.login:<20} {op.password:<18} tenant {tenant.slug}"
        for tenant in seed.DEMO_TENANTS
        for op in tenant.operators
    )
    return f"""
BatteryCRM operator API at {base}
{phone}
API docs at {base}/docs (Swagger UI; the spec is {base}/openapi.json)

Operator console: {base}/console/  (sign in with a demo login below)

Demo logins:
{logins}

{telegram}

Try:
    curl -s -X POST {base}/webhook/android/auth/login \\
         -H 'content-type: application/json' \\
         -d '{{"login": "anna@demo.test", "password": "demo-pass-anna"}}'
    curl -s {base}/webhook/api/operator/appeals -H "authorization: Bearer $TOKEN"
    curl -s -X POST {base}/webhook/telegram/demo -H 'x-telegram-bot-api-secret-token: demo-telegram-secret' \\
         -H 'content-type: application/json' \\
         -d '{{"update_id": 1, "message": {{"message_id": 1, "chat": {{"id": 42, "type": "private"}},
              "from": {{"id": 42, "first_name": "Test"}}, "text": "Hello!"}}}}'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--migrate-only", action="store_true")
    parser.add_argument("--reseed-only", action="store_true")
    args = parser.parse_args()

    host = os.environ.get("HOST") or "127.0.0.1"
    port = int(os.environ.get("PORT") or "3000")
    if not (args.migrate_only or args.reseed_only) and (problem := port_problem(host, port)):
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(1)

    # Metrics are EMF lines on stdout, one per request: off locally unless asked for
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    url = database_url()
    for name in migrations.apply(url):
        print(f"applied {name}")
    if args.migrate_only:
        return
    loaded = seed.seed(url, reset=args.reseed_only)
    print("demo data loaded" if loaded else "database has tenants: demo data not loaded (`make seed` resets it)")
    if args.reseed_only:
        return

    from devtools import push_worker
    from devtools.gateway import Gateway, template_environment
    from shared.media import downloads as media

    for name, value in template_environment(ROOT / "template.yaml").items():  # as in Lambda, unless set here
        os.environ.setdefault(name, value)

    link_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - links need a real address
    os.environ.setdefault("MEDIA_LOCAL_BASE_URL", f"http://{link_host}:{port}")  # signed media links point here
    settings.reset()
    gateway = Gateway(ROOT / "template.yaml")
    print(banner(port, telegram_mode(), host))
    print(f"push dispatcher running in the background: {push_worker.describe()}\n")
    dispatcher = push_worker.LocalDispatcher().start()
    media_worker = push_worker.LocalDispatcher("media", media.dispatch).start()  # media downloads
    try:
        gateway.serve(host=host, port=port)
    finally:
        media_worker.stop()
        dispatcher.stop()


if __name__ == "__main__":
    main()
