"""`make run`: a database (DATABASE_URL, else an embedded PostgreSQL), migrations, demo data when
the database has no tenants, then every route of template.yaml at http://127.0.0.1:$PORT."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from devtools import seed
from shared import migrations, settings

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


def banner(port: int, telegram: str = "") -> str:
    base = f"http://127.0.0.1:{port}"
    logins = "\n".join(
        f"    {op.login:<20} {op.password:<18} tenant {tenant.slug}"
        for tenant in seed.DEMO_TENANTS
        for op in tenant.operators
    )
    return f"""
BatteryCRM operator API at {base}

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
    from devtools.gateway import Gateway
    from shared import media

    port = int(os.environ.get("PORT", "3000"))
    os.environ.setdefault("MEDIA_LOCAL_BASE_URL", f"http://127.0.0.1:{port}")  # signed media links point here
    settings.reset()
    gateway = Gateway(ROOT / "template.yaml")
    print(banner(port, telegram_mode()))
    print(f"push dispatcher running in the background: {push_worker.describe()}\n")
    dispatcher = push_worker.LocalDispatcher().start()
    media_worker = push_worker.LocalDispatcher("media", media.dispatch).start()  # media downloads
    try:
        gateway.serve(host="127.0.0.1", port=port)
    finally:
        media_worker.stop()
        dispatcher.stop()


if __name__ == "__main__":
    main()
