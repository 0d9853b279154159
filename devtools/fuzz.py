"""`make fuzz`: schemathesis against docs/openapi.json, served by the local gateway with a real demo
session. Fails (exit 1) on any finding: a 5xx, or an answer that does not match the spec.

A database (DATABASE_URL, else the embedded one) is migrated and given the demo data if it has no
tenants; the gateway serves template.yaml on a free port with Telegram in dry-run mode. The fuzzer
signs in as an operator; ``devtools.fuzz_hooks`` sends the reports with an owner's session and the
webhooks to the demo tenant with its secrets, so every operation reaches its code. Operations that
would end the fuzzer's own session (logout, revoking sessions, changing the password) are left out.
Bounded: FUZZ_MAX_EXAMPLES per operation (default 40) and FUZZ_MAX_TIME seconds (default 150).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from devtools import run, seed
from shared.core import migrations, settings

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.json"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
# Calls that would end (or lock out) the fuzzer's own session.
SESSION_ENDING = (
    "/webhook/android/logout",
    "/webhook/api/operator/password",
    "/webhook/api/operator/sessions/revoke-others",
    "/webhook/api/operator/sessions/{session_id}",
)
FUZZ_LOGIN = ("boris@demo.test", "demo-pass-boris")
# The reports are the owners': the other demo shop's, as the spec's login examples sign Anna in
# (which would replace a session of hers)
OWNER_LOGIN = ("olga@other.test", "demo-pass-olga")


def main() -> int:
    os.environ.setdefault("TELEGRAM_DRY_RUN", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    # the fuzzer's many failed logins come from 127.0.0.1, for a few accounts: let them reach the login code
    os.environ.setdefault("LOGIN_MAX_FAILURES_PER_IP", "1000000000")
    os.environ.setdefault("LOGIN_MAX_FAILURES_PER_ACCOUNT", "1000000000")  # the spec's examples sign in as Anna
    settings.reset()
    url = run.database_url()
    migrations.apply(url)
    seed.seed(url)

    from devtools.gateway import Gateway

    base_url, stop = Gateway(ROOT / "template.yaml").start_background(host="127.0.0.1", port=0, workers=4)
    try:
        token, owner_token = sign_in(base_url, FUZZ_LOGIN), sign_in(base_url, OWNER_LOGIN)
        log = ROOT / ".local" / "fuzz-gateway.log"
        log.parent.mkdir(exist_ok=True)
        print(f"gateway access log and tracebacks: {log.relative_to(ROOT)}", flush=True)
        sys.stderr = log.open("w")  # the gateway's access lines; the findings are in the fuzzer's report
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            str(SPEC),
            "--url",
            base_url,
            "--checks",
            CHECKS,
            "--max-examples",
            os.environ.get("FUZZ_MAX_EXAMPLES", "40"),
            "--max-time",
            os.environ.get("FUZZ_MAX_TIME", "150"),
            "--workers",  # one: hypothesis parses lambdas' source with ast, which is not thread-safe on 3.11
            "1",
            "--seed",
            os.environ.get("FUZZ_SEED", "20261123"),
            "--generation-database",  # the seed alone decides what is sent: the same run every time
            "none",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--output-sanitize",
            "true",
        ]
        for path in SESSION_ENDING:
            command += ["--exclude-path", path]
        # the sessions go in through the hooks (a command line --header would win over the owner's)
        hooks = {"SCHEMATHESIS_HOOKS": "devtools.fuzz_hooks", "FUZZ_TOKEN": token, "FUZZ_OWNER_TOKEN": owner_token}
        hooks["PYTHONPATH"] = str(ROOT)
        return subprocess.run(command, cwd=ROOT, check=False, env={**os.environ, **hooks}).returncode
    finally:
        stop()


def sign_in(base_url: str, login: tuple[str, str]) -> str:
    """A desktop session of a demo operator: its token."""
    answer = httpx.post(
        f"{base_url}/webhook/desktop/auth/login", json={"login": login[0], "password": login[1]}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["session_token"])


if __name__ == "__main__":
    sys.exit(main())
