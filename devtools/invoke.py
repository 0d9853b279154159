"""`make invoke FN=<function> [EVENT=events/<file>.json]`: one function's ``lambda_handler``, called
in-process with a sample event (what `sam local invoke -e` does, without Docker), against the
database `make run` uses (DATABASE_URL, else the embedded PostgreSQL), migrated and with the demo
data. The event's placeholders (see events/README.md) are filled from the demo data first.

    python -m devtools.invoke session_status
    python -m devtools.invoke appeal_detail --event events/appeal_detail.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from devtools import seed
from devtools.gateway import template_environment
from devtools.lambda_context import LambdaContext
from shared.auth import sessions_sql as session_repo
from shared.auth.sessions import hash_token, new_token
from shared.core import migrations, settings
from shared.core.db import Connection

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"SAMPLE-[A-Z]+(?:-[A-Z]+)*")
DEMO_LOGIN = "boris@demo.test"  # not anna: the tutorial's blocks sign her in and out
OWNER_LOGIN = "olga@other.test"  # the reports' samples: an owner, and not anna either


def functions() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        from devtools import embedded_pg

        url = embedded_pg.ensure_running()
        os.environ["DATABASE_URL"] = url
        print(f"embedded PostgreSQL running ({url}); `make db-stop` stops it", file=sys.stderr)
    settings.reset()
    return url


def _demo_session(conn: Connection, filled: dict[str, str]) -> None:
    """A fresh desktop session of the demo operator (it replaces their previous desktop one)."""
    token, session_id = _desktop_session(conn, DEMO_LOGIN)
    filled["SAMPLE-SESSION-TOKEN"], filled["SAMPLE-SESSION-ID"] = token, session_id


def _owner_session(conn: Connection, filled: dict[str, str]) -> None:
    """A fresh desktop session of an owner of the demo data (the reports are for owners)."""
    filled["SAMPLE-OWNER-TOKEN"] = _desktop_session(conn, OWNER_LOGIN)[0]


def _desktop_session(conn: Connection, login: str) -> tuple[str, str]:
    """A new desktop session of ``login`` (replacing their previous desktop one): token and id."""
    operator = conn.execute("SELECT id, tenant_id FROM operators WHERE login = %s AND is_active", (login,)).fetchone()
    if operator is None:
        raise SystemExit(f"{login} is missing or disabled: `make seed` loads the demo data again")
    token = new_token()
    with conn.transaction():
        session_repo.remove_for_device_type(conn, operator["id"], operator["tenant_id"], "desktop")
        row = session_repo.insert(
            conn,
            operator_id=operator["id"],
            tenant_id=operator["tenant_id"],
            device_type="desktop",
            token_hash=hash_token(token),
            device_id=None,
            device_info={"device_model": "make invoke"},
            absolute=settings.get_settings().absolute_lifetime("desktop"),
        )
    return token, str(row.id)


def _demo_appeal(conn: Connection, filled: dict[str, str]) -> None:
    """The newest open demo appeal the demo operator may act on (unassigned or theirs)."""
    row = conn.execute(
        "SELECT a.id FROM appeals a JOIN tenants t ON t.id = a.tenant_id "
        "LEFT JOIN operators o ON o.id = a.assigned_operator_id "
        "WHERE t.slug = 'demo' AND a.status IN ('new', 'in_progress') AND (o.id IS NULL OR o.login = %s) "
        "ORDER BY a.created_at DESC LIMIT 1",
        (DEMO_LOGIN,),
    ).fetchone()
    if row is None:
        raise SystemExit("no open demo appeal left: `make seed` loads the demo data again")
    filled["SAMPLE-APPEAL-ID"] = str(row["id"])


def _demo_promo(conn: Connection, filled: dict[str, str]) -> None:
    row = conn.execute(
        "SELECT p.id FROM promos p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'demo' ORDER BY p.title LIMIT 1"
    ).fetchone()
    if row is None:
        raise SystemExit("no demo promo: `make seed` loads the demo data again")
    filled["SAMPLE-PROMO-ID"] = str(row["id"])


def _demo_colleague(conn: Connection, filled: dict[str, str]) -> None:
    row = conn.execute("SELECT id FROM operators WHERE login = 'anna@demo.test'").fetchone()
    if row is None:
        raise SystemExit("no demo operator anna@demo.test: `make seed` loads the demo data again")
    filled["SAMPLE-OPERATOR-ID"] = str(row["id"])


def _demo_quick_reply(conn: Connection, filled: dict[str, str]) -> None:
    """A quick reply made for the occasion (the sample deletes it), so the demo ones stay."""
    row = conn.execute(
        "INSERT INTO quick_replies (tenant_id, title, text) SELECT id, 'Sample', 'Made by make invoke' "
        "FROM tenants WHERE slug = 'demo' RETURNING id"
    ).fetchone()
    if row is None:
        raise SystemExit("no demo tenant: `make seed` loads the demo data again")
    filled["SAMPLE-QUICK-REPLY-ID"] = str(row["id"])


# Every placeholder the events/ files use, and what fills it (events/README.md lists them too).
PLACEHOLDERS: dict[str, Callable[[Connection, dict[str, str]], None]] = {
    "SAMPLE-SESSION-TOKEN": _demo_session,
    "SAMPLE-SESSION-ID": _demo_session,
    "SAMPLE-OWNER-TOKEN": _owner_session,
    "SAMPLE-APPEAL-ID": _demo_appeal,
    "SAMPLE-PROMO-ID": _demo_promo,
    "SAMPLE-OPERATOR-ID": _demo_colleague,
    "SAMPLE-QUICK-REPLY-ID": _demo_quick_reply,
}


def fill_placeholders(text: str, url: str) -> str:
    """The event text with each placeholder replaced by its demo value (each looked up once)."""
    wanted = sorted(set(PLACEHOLDER.findall(text)))
    unknown = [name for name in wanted if name not in PLACEHOLDERS]
    if unknown:
        raise SystemExit(f"unknown placeholder(s) {', '.join(unknown)}: add them to devtools/invoke.py")
    filled: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for name in wanted:
            if name not in filled:
                PLACEHOLDERS[name](conn, filled)
    return PLACEHOLDER.sub(lambda m: filled[m.group(0)], text)


def load_handler(function: str) -> Callable[[dict[str, Any], Any], Any]:
    app_file = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"lambda_fn_{function}", app_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], Any] = module.lambda_handler
    return handler


def invoke(function: str, event_file: Path) -> tuple[int | None, Any]:
    """Prepare the database, fill the event, call the handler: (HTTP status or None, body or result)."""
    url = database_url()
    migrations.apply(url)
    seed.seed(url)
    if not os.environ.get("TELEGRAM_API_BASE_URL"):  # as under `make run`: nothing goes to Telegram
        os.environ.setdefault("TELEGRAM_DRY_RUN", "true")
        settings.reset()
    for name, value in template_environment(ROOT / "template.yaml", function).items():  # as in Lambda
        os.environ.setdefault(name, value)
    event = json.loads(fill_placeholders(event_file.read_text(), url))
    result = load_handler(function)(event, LambdaContext(function))
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        try:
            return int(result["statusCode"]), json.loads(body)
        except ValueError:
            return int(result["statusCode"]), body
    return None, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", help="a folder name under functions/")
    parser.add_argument("--event", type=Path, help="the event file (default: events/<function>.json)")
    args = parser.parse_args(argv)
    if args.function not in functions():
        print(f"no function {args.function!r}; one of: {', '.join(functions())}", file=sys.stderr)
        return 2
    event_file = args.event or ROOT / "events" / f"{args.function}.json"
    if not event_file.exists():
        print(f"no event file {event_file}", file=sys.stderr)
        return 2
    status, body = invoke(args.function, event_file)
    text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False, default=str)
    print(f"\n{args.function}: " + (f"status {status}" if status is not None else "returned"))
    print(text)
    return 1 if status is not None and status >= 500 else 0


if __name__ == "__main__":
    sys.exit(main())
