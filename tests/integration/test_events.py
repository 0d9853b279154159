"""Every function is invoked with its own events/ sample, the event `sam local invoke -e` takes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devtools import seed
from shared.auth.sessions import hash_token
from tests.conftest import load_function
from tests.helpers import Api, LambdaContext

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
SAMPLE_TOKEN = "SAMPLE-SESSION-TOKEN"

# What each sample event gets, against the demo data, with a fresh demo session in place of the token.
EXPECTED_STATUS: dict[str, int] = {
    "auth_login_mobile": 200,
    "auth_login_desktop": 200,
    "register_fcm": 200,
    "logout": 200,
    "session_status": 200,
    "appeals_list": 200,
    "appeal_changes": 200,
    "appeal_detail": 200,
    "appeal_take": 200,
    "appeal_reject": 200,
    "appeal_normalize": 200,
    "appeal_response": 200,
    "appeal_promo": 200,
    "telegram_webhook": 200,
    "max_webhook": 200,
    "sessions_list": 200,
    "session_revoke": 200,
    "sessions_revoke_others": 200,
    "password_change": 200,
    "operator_upload": 201,
    "route_fallback": 405,
    "appeal_close": 200,
    "appeal_release": 200,
    "appeal_transfer": 200,
    "appeal_notes": 200,
    "appeal_read": 200,
    "promos_list": 200,
    "colleagues_list": 200,
    "quick_replies_list": 200,
    "quick_reply_create": 201,
    "quick_reply_delete": 200,
    "reports_summary": 200,
}
# Functions that answer with files rather than JSON: the content type of their sample's answer.
EXPECTED_FILES: dict[str, str] = {"console": "text/html; charset=utf-8", "reports_csv": "text/csv; charset=utf-8"}
# Functions that answer a platform in plain text (VK's Callback API wants exactly "ok").
EXPECTED_TEXT: dict[str, str] = {"vk_webhook": "ok"}
# The owner-only samples (the reports), sent with a session of the demo owner Olga (SAMPLE-OWNER-TOKEN).
OWNER_SAMPLES = {"reports_summary", "reports_csv"}
# Functions that are not behind the HTTP API (schedules, async invokes) return a summary dict.
EXPECTED_SUMMARY_KEYS: dict[str, set[str]] = {
    "push_dispatcher": {"batches", "claimed", "sent", "retried", "dead", "tokens_removed"},
    "media_worker": {"claimed", "ready", "too_large", "retried", "failed", "skipped"},
    "migrate": {"version", "migrations"},
    "admin": {"exit_code", "stdout", "stderr"},
    "session_cleanup": {
        "sessions_expired",
        "history_trimmed",
        "login_attempts_trimmed",
        "push_outbox_trimmed",
        "media_jobs_trimmed",
        "telegram_updates_trimmed",
    },
}


@pytest.fixture(scope="module")
def demo(database_url: str) -> None:
    """The demo tenants, once for this module (the sample events use the demo logins)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM tenants WHERE slug = 'demo'").fetchone() is None:
            seed.load(conn)


def demo_token(api: Api, device: str = "desktop", login: str = "boris@demo.test") -> str:
    path = "/webhook/android/auth/login" if device == "mobile" else "/webhook/desktop/auth/login"
    password = {"boris@demo.test": "demo-pass-boris", "olga@other.test": "demo-pass-olga"}[login]
    reply = api.post(path, {"login": login, "password": password})
    assert reply.status == 200
    return str(reply.body["session_token"])


def sample_token(api: Api, function: str) -> str:
    return demo_token(api, login="olga@other.test") if function in OWNER_SAMPLES else demo_token(api)


def load_event(name: str, token: str) -> dict[str, Any]:
    text = (ROOT / "events" / f"{name}.json").read_text()
    event: dict[str, Any] = json.loads(text.replace(SAMPLE_TOKEN, token).replace("SAMPLE-OWNER-TOKEN", token))
    return event


def with_demo_ids(event: dict[str, Any], database_url: str, token: str) -> dict[str, Any]:
    """SAMPLE-APPEAL-ID: an open demo appeal Boris may act on; SAMPLE-PROMO-ID: a demo promo;
    SAMPLE-SESSION-ID: the session of ``token``."""
    with psycopg.connect(database_url) as conn:
        appeal = conn.execute(
            "SELECT a.id FROM appeals a JOIN tenants t ON t.id = a.tenant_id "
            "LEFT JOIN operators o ON o.id = a.assigned_operator_id "
            "WHERE t.slug = 'demo' AND a.status IN ('new', 'in_progress') "
            "AND (o.id IS NULL OR o.login = 'boris@demo.test') ORDER BY a.created_at DESC LIMIT 1"
        ).fetchone()
        promo = conn.execute("SELECT p.id FROM promos p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'demo'")
        promo_row = promo.fetchone()
        session = conn.execute("SELECT id FROM operator_devices WHERE token_hash = %s", (hash_token(token),)).fetchone()
        lifecycle = conn.execute(  # SAMPLE-OPERATOR-ID: a colleague (Anna); SAMPLE-QUICK-REPLY-ID: a demo one
            "SELECT (SELECT id FROM operators WHERE login = 'anna@demo.test'), (SELECT q.id FROM quick_replies q "
            "JOIN tenants t ON t.id = q.tenant_id WHERE t.slug = 'demo' ORDER BY q.created_at DESC LIMIT 1)"
        ).fetchone()
    assert appeal is not None and promo_row is not None and session is not None and lifecycle is not None
    event = json.loads(
        json.dumps(event)
        .replace("SAMPLE-OPERATOR-ID", str(lifecycle[0]))
        .replace("SAMPLE-QUICK-REPLY-ID", str(lifecycle[1]))
    )
    text = json.dumps(event).replace("SAMPLE-APPEAL-ID", str(appeal[0])).replace("SAMPLE-PROMO-ID", str(promo_row[0]))
    return dict(json.loads(text.replace("SAMPLE-SESSION-ID", str(session[0]))))


@pytest.fixture
def boris_keeps_his_password(database_url: str) -> Iterator[None]:
    """The password_change sample changes Boris's password: put it back for the other samples."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        saved = conn.execute("SELECT password_hash FROM operators WHERE login = 'boris@demo.test'").fetchone()
        yield
        conn.execute("UPDATE operators SET password_hash = %s WHERE login = 'boris@demo.test'", saved)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_answers_its_sample_event(
    function: str, demo: None, api: Api, invoke: Any, configure: Any, database_url: str, boris_keeps_his_password: None
) -> None:
    if function in EXPECTED_SUMMARY_KEYS:
        result = load_function(function).lambda_handler(load_event(function, ""), LambdaContext(function))
        assert isinstance(result, dict) and set(result) == EXPECTED_SUMMARY_KEYS[function]
        return
    if function in EXPECTED_FILES:
        token = sample_token(api, function) if function in OWNER_SAMPLES else ""
        result = load_function(function).lambda_handler(load_event(function, token), LambdaContext(function))
        headers = {k.lower(): v for k, v in result["headers"].items()}
        assert (result["statusCode"], headers["content-type"]) == (200, EXPECTED_FILES[function])
        return
    if function in EXPECTED_TEXT:
        result = load_function(function).lambda_handler(load_event(function, ""), LambdaContext(function))
        assert (result["statusCode"], result["body"]) == (200, EXPECTED_TEXT[function])
        return
    assert function in EXPECTED_STATUS, f"add events/{function}.json and its expected status here"
    configure(telegram_dry_run="true")  # the demo tenants' bot is not a real one
    token = sample_token(api, function)
    event = with_demo_ids(load_event(function, token), database_url, token)
    status, body, headers = invoke(function, event)
    assert status == EXPECTED_STATUS[function], body
    assert body["success"] is (status < 400)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
