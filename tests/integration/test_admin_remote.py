"""`make admin-remote`: ops.admin's commands run by the deployed admin function, invoked through
`aws lambda invoke`. The AWS CLI here is a stand-in with the same command line and output that runs
the real function (functions/admin/app.py) against the test database, as Lambda would run it."""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_function
from tests.helpers import Api, Factory, LambdaContext, run_module

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

FAKE_AWS = """\
import importlib.util, json, sys
args = sys.argv[1:]
sys.stdout = sys.stderr  # the function's own log lines go to CloudWatch, not into the CLI's answer
if {refuse!r}:
    sys.stderr.write("An error occurred (AccessDeniedException) when calling the Invoke operation: not allowed\\n")
    sys.exit(254)
assert args[:2] == ["lambda", "invoke"], args
options = dict(zip(args[2:-1:2], args[3:-1:2]))
spec = importlib.util.spec_from_file_location("admin_app", {app!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from devtools.lambda_context import LambdaContext
payload = open(options["--payload"].removeprefix("fileb://")).read()
with open({log!r}, "a") as log:
    log.write(json.dumps({{"args": args, "payload": json.loads(payload)}}) + "\\n")
answer = module.lambda_handler(json.loads(payload), LambdaContext("admin"))
with open(args[-1], "w") as out:
    json.dump(answer, out)
print(json.dumps({{"StatusCode": 200, "ExecutedVersion": "3"}}), file=sys.__stdout__)
"""


def remote(tmp_path: Path, database_url: str, *args: str, stdin: str = "", refuse: bool = False) -> Any:
    log = tmp_path / f"aws-calls-{secrets.token_hex(4)}.jsonl"  # this invocation's calls only
    aws = tmp_path / "aws"
    aws.write_text(
        f"#!{sys.executable}\n" + FAKE_AWS.format(log=str(log), refuse=refuse, app=str(ROOT / "functions/admin/app.py"))
    )
    aws.chmod(0o755)
    env = {**os.environ, "DATABASE_URL": database_url, "AWS_CLI": str(aws)}
    done = run_module("ops.admin_remote", *args, env=env, stdin=stdin)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


def test_the_first_tenant_and_operator_through_the_admin_function(
    tmp_path: Path, database_url: str, api: Api, factory: Factory
) -> None:
    slug = f"remote-{secrets.token_hex(3)}"
    tenant, calls = remote(tmp_path, database_url, "--stack", "shop-prod", "create-tenant", slug, "Remote Shop")
    assert tenant.returncode == 0, tenant.stderr
    assert re.search(r"webhook secret \(shown once\): \S+", tenant.stdout)
    invoked = calls[-1]["args"]
    assert invoked[invoked.index("--function-name") + 1] == "shop-prod-admin"
    assert invoked[invoked.index("--qualifier") + 1] == "live"  # the alias: the deployed version
    login = f"op-{slug}@shop.test"
    password = "a long enough password 42"
    made, calls = remote(
        tmp_path, database_url, "create-operator", slug, login, "Remote Op", "--password-stdin", stdin=password + "\n"
    )
    assert made.returncode == 0, made.stderr
    assert api.post("/webhook/android/auth/login", {"login": login, "password": password}).status == 200
    assert password not in json.dumps(calls[-1]["args"])  # not on the aws command line: in the payload file
    payload = calls[-1]["payload"]
    assert payload == {
        "args": ["create-operator", slug, login, "Remote Op", "--password-stdin"],
        "stdin": password + "\n",
    }
    again, _ = remote(tmp_path, database_url, "--stack", "shop-prod", "create-tenant", slug, "Twice")
    assert again.returncode == 1 and "exists already" in again.stderr  # the same checks, the same words


def test_usage_errors_and_an_unreachable_function_say_so(tmp_path: Path, database_url: str) -> None:
    wrong, _ = remote(tmp_path, database_url, "disable-operator")  # the login is missing
    assert wrong.returncode == 2 and "the following arguments are required: login" in wrong.stderr
    nothing, calls = remote(tmp_path, database_url)
    assert nothing.returncode == 2 and "name an ops.admin command" in nothing.stderr and calls == []
    refused, _ = remote(tmp_path, database_url, "list-sessions", "x@y.z", refuse=True)
    assert refused.returncode == 2
    assert "could not invoke batterycrm-admin" in refused.stderr and "AccessDeniedException" in refused.stderr


def test_the_function_refuses_an_event_that_is_no_command_line(database_url: str) -> None:
    handler = load_function("admin").lambda_handler
    for event in ({}, {"args": "create-tenant x"}, {"args": [1, 2]}, {"args": ["list-sessions"], "stdin": 5}):
        answer = handler(event, LambdaContext("admin"))
        assert answer["exit_code"] == 2 and answer["stderr"].startswith("error: the event is")


def test_a_command_run_in_the_function_leaves_its_process_measuring(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ops.admin switches metrics off for the process it runs in; a warm function is not that process."""
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    answer = load_function("admin").lambda_handler({"args": ["list-sessions", "nobody@x.test"]}, LambdaContext("admin"))
    assert answer["exit_code"] == 1 and "no operator with login 'nobody@x.test'" in answer["stderr"]
    assert "POWERTOOLS_METRICS_DISABLED" not in os.environ
