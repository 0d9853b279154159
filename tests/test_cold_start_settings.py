"""Settings are validated once, at cold start: in Lambda a function without a database, or with a
setting out of range, fails its init with a message naming the setting, before any request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("fn", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print("initialised")
"""


def init(function: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_SECRET_ARN")}
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
    )


@pytest.mark.parametrize("function", ["session_status", "appeal_response", "push_dispatcher"])
def test_a_function_without_a_database_fails_its_init_naming_the_setting(function: str) -> None:
    result = init(function, AWS_LAMBDA_FUNCTION_NAME=function)
    assert result.returncode != 0
    assert "RuntimeError: no database configured: set DATABASE_URL or DATABASE_SECRET_ARN" in result.stderr


def test_a_setting_out_of_range_fails_the_init_naming_it() -> None:
    result = init(
        "session_status", AWS_LAMBDA_FUNCTION_NAME="x", DATABASE_URL="postgresql://db/x", DB_CONNECT_TIMEOUT_S="0"
    )
    assert result.returncode != 0
    assert "RuntimeError: invalid setting(s): DB_CONNECT_TIMEOUT_S" in result.stderr


def test_a_configured_function_initialises_without_touching_the_database() -> None:
    result = init("session_status", AWS_LAMBDA_FUNCTION_NAME="x", DATABASE_URL="postgresql://nowhere.invalid/x")
    assert (result.returncode, result.stdout.strip()) == (0, "initialised")
