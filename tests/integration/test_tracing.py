"""X-Ray tracing: subsegments around the database and the Telegram call reach the X-Ray daemon
(a UDP socket standing in for it) when tracing is on in Lambda; nothing is imported when it is off."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-BOT-TOKEN"
TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"

WORK = """
import json, sys
from shared.channels.telegram import bot as telegram_bot
from shared.core import db
db.run(lambda conn: conn.execute("SELECT 1"), transaction=True)
telegram_bot.send_message(sys.argv[1], 4242, "hello")  # the token as Secrets Manager would give it
print(json.dumps(sorted(m for m in ("aws_xray_sdk", "aws_xray_sdk.core") if m in sys.modules)))
"""


def run_work(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k not in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED")}
    return subprocess.run(
        [sys.executable, "-c", WORK, TOKEN],
        env={**keep, "PYTHONPATH": str(ROOT), "TELEGRAM_DRY_RUN": "false", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def received(daemon: socket.socket) -> list[dict[str, Any]]:
    daemon.settimeout(0.5)
    segments = []
    try:
        while True:
            header, _, body = daemon.recv(65535).decode().partition("\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            segments.append(json.loads(body))
    except TimeoutError:
        return segments


def test_spans_reach_the_xray_daemon_in_lambda(database_url: str, fake_telegram: FakeTelegram) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        result = run_work(
            {
                "DATABASE_URL": database_url,
                "TELEGRAM_API_BASE_URL": fake_telegram.url,
                "LAMBDA_TASK_ROOT": str(ROOT),
                "AWS_LAMBDA_FUNCTION_NAME": "appeal-response",
                "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
                "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
            }
        )
        assert result.returncode == 0, result.stderr
        segments = received(daemon)
    assert [(s["name"], s.get("annotations")) for s in segments] == [
        ("postgres", {"transaction": True}),
        ("telegram", {"method": "sendMessage"}),
    ]
    assert all(s["trace_id"] == TRACE_ID and s["end_time"] >= s["start_time"] for s in segments)
    assert TOKEN not in json.dumps(segments)


def test_off_outside_lambda_and_when_disabled_nothing_is_imported(
    database_url: str, fake_telegram: FakeTelegram
) -> None:
    env = {"DATABASE_URL": database_url, "TELEGRAM_API_BASE_URL": fake_telegram.url}
    local = run_work(env)
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout.splitlines()[-1]) == []
    disabled = run_work({**env, "LAMBDA_TASK_ROOT": str(ROOT), "POWERTOOLS_TRACE_DISABLED": "true"})
    assert disabled.returncode == 0, disabled.stderr
    assert json.loads(disabled.stdout.splitlines()[-1]) == []
