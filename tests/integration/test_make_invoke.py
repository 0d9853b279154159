"""`make invoke FN=...`: one function with its events/ sample, placeholders filled from the demo data,
against a database it migrates and seeds itself (here: a new, empty one, like a fresh clone's)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from devtools import invoke
from shared.auth import passwords
from tests.helpers import run_command

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def empty_database(server_url: str) -> Iterator[str]:
    name = f"bcrm_invoke_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(server_url, dbname=name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def make_invoke(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FCM_", "FIREBASE_"))}
    env["DATABASE_URL"] = database_url
    return run_command(["make", "--no-print-directory", "-s", "invoke", *args], env, timeout=120)


def answer(stdout: str, function: str) -> tuple[str, object]:
    """The status line `make invoke` prints after the function's logs, and the JSON after it."""
    _, _, text = stdout.partition(f"\n{function}: ")
    status, _, body = text.partition("\n")
    return status, json.loads(body)


def test_session_status_answers_200_with_a_fresh_demo_session(empty_database: str) -> None:
    done = make_invoke(empty_database, "FN=session_status")
    assert done.returncode == 0, done.stderr
    status, body = answer(done.stdout, "session_status")
    assert status == "status 200"
    assert isinstance(body, dict) and body["success"] is True
    assert body["session"]["device_type"] == "desktop"
    with psycopg.connect(empty_database) as conn:  # the database was migrated and seeded for it
        row = conn.execute(
            "SELECT o.login FROM operator_devices d JOIN operators o ON o.id = d.operator_id WHERE d.id = %s",
            (body["session"]["id"],),
        ).fetchone()
    assert row == ("boris@demo.test",)


def test_an_event_file_is_chosen_with_event_and_its_ids_are_demo_ids(empty_database: str) -> None:
    done = make_invoke(empty_database, "FN=appeal_detail", "EVENT=events/appeal_detail.json")
    assert done.returncode == 0, done.stderr
    status, body = answer(done.stdout, "appeal_detail")
    assert status == "status 200"
    assert isinstance(body, dict)
    with psycopg.connect(empty_database) as conn:
        tenant = conn.execute(
            "SELECT t.slug FROM appeals a JOIN tenants t ON t.id = a.tenant_id WHERE a.id = %s",
            (body["appeal"]["id"],),
        ).fetchone()
    assert tenant == ("demo",)


def test_a_scheduled_function_prints_what_it_returned(empty_database: str) -> None:
    done = make_invoke(empty_database, "FN=session_cleanup")
    assert done.returncode == 0, done.stderr
    status, body = answer(done.stdout, "session_cleanup")
    assert status == "returned"
    assert isinstance(body, dict) and "sessions_expired" in body


def test_an_unknown_function_lists_the_functions(empty_database: str) -> None:
    done = make_invoke(empty_database, "FN=no_such_function")
    assert done.returncode != 0
    assert "no function 'no_such_function'; one of: " in done.stderr and "appeal_detail, " in done.stderr


def test_without_fn_it_says_how_to_call_it(empty_database: str) -> None:
    done = make_invoke(empty_database)
    assert done.returncode != 0
    assert "usage: make invoke FN=<function> [EVENT=events/<file>.json]" in done.stdout


def test_every_placeholder_in_events_is_filled_and_documented() -> None:
    used = {name for path in (ROOT / "events").glob("*.json") for name in invoke.PLACEHOLDER.findall(path.read_text())}
    assert used, "the events use placeholders"
    assert used <= set(invoke.PLACEHOLDERS), "teach devtools/invoke.py to fill the new placeholder"
    documented = set(re.findall(r"`(SAMPLE-[A-Z-]+)`", (ROOT / "events" / "README.md").read_text()))
    assert used <= documented, "describe the placeholder in events/README.md"
    for path in (ROOT / "events").glob("*.json"):
        assert path.stem in (ROOT / "events" / "README.md").read_text(), f"list {path.name} in events/README.md"


# every JSON API sample: not the $default route's (an unrouted method: 405 is its success), not the
# console's (a static file)
HTTP_FUNCTIONS = sorted(
    p.stem
    for p in (ROOT / "events").glob("*.json")
    if json.loads(p.read_text()).get("version") == "2.0" and p.stem not in ("route_fallback", "console")
)


@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_every_http_sample_answers_with_success_once_its_placeholders_are_filled(
    function: str, empty_database: str, configure: Any
) -> None:
    configure(database_url=empty_database, telegram_dry_run="true")  # the demo bot is not a real one
    status, body = invoke.invoke(function, ROOT / "events" / f"{function}.json")
    if function == "password_change":  # put Boris's demo password back for the other samples
        with psycopg.connect(empty_database, autocommit=True) as conn:
            conn.execute(
                "UPDATE operators SET password_hash = %s WHERE login = 'boris@demo.test'",
                (passwords.hash_password("demo-pass-boris"),),
            )
    assert status == (201 if function in ("quick_reply_create", "operator_upload") else 200), body
    if function == "vk_webhook":  # VK's Callback API wants exactly "ok"
        assert body == "ok"
        return
    if function == "reports_csv":  # a file, not JSON
        assert isinstance(body, str) and body.startswith("appeal_id,opened_at,channel,"), body
        return
    assert isinstance(body, dict) and body["success"] is True
