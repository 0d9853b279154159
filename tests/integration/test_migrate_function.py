"""The migrate function: what CloudFormation's custom resource gets on a deployment (the answer PUT to
its pre-signed ResponseURL, here a local server), and the direct invocations for status/apply/down."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from shared.core import migrations
from tests.conftest import load_function
from tests.helpers import LambdaContext

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = [p.name[:4] for p in migrations.migration_files()]


class _ResponseUrl(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], dict[str, Any]]]

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append((self.path, dict(self.headers.items()), json.loads(body)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def cloudformation() -> Iterator[tuple[str, list[tuple[str, dict[str, str], dict[str, Any]]]]]:
    """A stand-in for the pre-signed S3 URL CloudFormation waits on: (its URL, what it received)."""
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    handler = type("Handler", (_ResponseUrl,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cfn-response?X-Amz-Signature=abc", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def empty_database(server_url: str, configure: Any) -> Iterator[str]:
    name = f"bcrm_cfn_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(server_url, dbname=name)
    configure(database_url=url)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def request(kind: str, response_url: str) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ServiceToken": "arn:aws:lambda:eu-central-1:123456789012:function:batterycrm-migrate",
        "ResponseURL": response_url,
        "StackId": "arn:aws:cloudformation:eu-central-1:123456789012:stack/batterycrm/1",
        "RequestId": f"request-{kind}",
        "LogicalResourceId": "Migrations",
        "ResourceType": "Custom::Migrations",
        "ResourceProperties": {"ServiceToken": "…", "MigrateFunctionVersion": "3"},
    }


def handler(event: dict[str, Any]) -> Any:
    return load_function("migrate").lambda_handler(event, LambdaContext("migrate"))


def test_a_deployment_migrates_the_database_and_tells_cloudformation(
    empty_database: str, cloudformation: tuple[str, list[Any]]
) -> None:
    url, received = cloudformation
    handler(request("Create", url))
    path, headers, answer = received[-1]
    assert path == "/cfn-response?X-Amz-Signature=abc"
    assert headers.get("content-type", "") == ""  # the pre-signed URL is signed without one
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["RequestId"] == "request-Create" and answer["LogicalResourceId"] == "Migrations"
    assert answer["Data"] == {
        "Version": VERSIONS[-1],
        "Applied": ",".join(p.name for p in migrations.migration_files()),
    }
    assert migrations.describe_schema(empty_database) == (ROOT / "sql" / "schema.sql").read_text()
    # The next deployment finds nothing to do, under the same physical id (so nothing is ever "replaced")
    handler(request("Update", url))
    again = received[-1][2]
    assert again["Status"] == "SUCCESS"
    assert again["Data"] == {"Version": VERSIONS[-1], "Applied": "-"}
    assert again["PhysicalResourceId"] == answer["PhysicalResourceId"]


def test_deleting_the_stack_leaves_the_data_alone(empty_database: str, cloudformation: tuple[str, list[Any]]) -> None:
    url, received = cloudformation
    migrations.apply(empty_database)
    handler(request("Delete", url))
    assert received[-1][2]["Status"] == "SUCCESS"
    assert migrations.applied_versions(empty_database) == VERSIONS


def test_a_failure_fails_the_deployment_without_leaking_the_password(
    server_url: str, configure: Any, cloudformation: tuple[str, list[Any]]
) -> None:
    url, received = cloudformation
    configure(database_url=make_conninfo(server_url, dbname="no_such_database", password="s3cret-pw"))
    handler(request("Update", url))
    answer = received[-1][2]
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("migrations failed: OperationalError: ")
    assert "(log group " in answer["Reason"]
    assert "s3cret-pw" not in json.dumps(answer)


def test_by_hand_it_reports_rolls_back_and_applies(empty_database: str) -> None:
    assert handler({"action": "apply"})["version"] == VERSIONS[-1]
    status = handler({"action": "status"})
    assert status["version"] == VERSIONS[-1]
    assert status["migrations"][-1] == f"applied  {migrations.migration_files()[-1].name}"
    down = handler({"action": "down", "version": VERSIONS[-2]})
    assert down == {"rolled_back": [migrations.migration_files()[-1].name], "version": VERSIONS[-2]}
    assert handler({"action": "apply"}) == {
        "applied": [migrations.migration_files()[-1].name],
        "version": VERSIONS[-1],
    }
    with pytest.raises(ValueError, match="unknown action"):
        handler({"action": "drop-everything"})


def test_the_sql_files_are_packaged_with_the_function() -> None:
    sql = ROOT / "functions" / "migrate" / "sql"
    assert sql.is_symlink() and sql.resolve() == (ROOT / "sql").resolve()


@pytest.fixture
def unanswering_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Secrets Manager that accepts the connection and never answers (a VPC without a route to it)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections wait in the backlog, never accepted, never answered
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    yield
    listener.close()  # the abandoned read fails now, not minutes later


def test_a_secret_that_never_comes_is_answered_failed_before_the_deadline(
    configure: Any, cloudformation: tuple[str, list[Any]], unanswering_aws: None
) -> None:
    import time

    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    url, received = cloudformation
    configure(database_url="", database_secret_arn="arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf")
    app = load_function("migrate")
    started = time.monotonic()  # the function has the margin plus 2 s left: it must answer after ~2 s
    app.lambda_handler(request("Update", url), LambdaContext("migrate", timeout_s=app.ANSWER_MARGIN_S + 2))
    assert time.monotonic() - started < 10
    answer = received[-1][2]
    assert answer["Status"] == "FAILED" and answer["RequestId"] == "request-Update"
    assert answer["Reason"].startswith("migrations did not finish within 2 s: ")
    assert "(log group /aws/lambda/migrate)" in answer["Reason"]


def test_a_pending_database_secret_deploys_without_migrating(
    configure: Any, cloudformation: tuple[str, list[Any]], secrets_manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    arn = secrets_manager.create_secret(Name="bcrm/pending-db", SecretString="pending")["ARN"]
    configure(database_url="", database_secret_arn=arn)
    url, received = cloudformation
    handler(request("Create", url))
    answer = received[-1][2]
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Reason"] == "the database secret is 'pending': nothing migrated"
    assert answer["Data"] == {"Version": "pending", "Applied": "-"}


@pytest.fixture
def app_role(server_url: str, empty_database: str) -> Iterator[str]:
    """A login role of its own for the app, as a deployer creates it next to the migrating one."""
    role = f"bcrm_app_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    yield role
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')  # its grants and default privileges in the test database
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.direct_server  # the app's new role signs in to PostgreSQL itself
def test_the_apps_own_user_gets_its_privileges_and_timeout_also_on_tables_made_later(
    empty_database: str, app_role: str, configure: Any, secrets_manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    app_url = make_conninfo(empty_database, user=app_role)
    arn = secrets_manager.create_secret(Name="bcrm/app-db", SecretString=app_url)["ARN"]
    configure(app_database_secret_arn=arn, db_statement_timeout_ms=4321)
    assert handler({"action": "apply"})["version"] == VERSIONS[-1]
    with psycopg.connect(empty_database, autocommit=True) as owner:  # a table a later migration makes
        owner.execute("CREATE TABLE made_later (id bigint GENERATED ALWAYS AS IDENTITY, note text)")
    with psycopg.connect(app_url, autocommit=True) as app:
        assert app.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
        assert app.execute("SELECT count(*) FROM tenants").fetchone() == (0,)
        app.execute("INSERT INTO made_later (note) VALUES ('the app writes here too')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("DROP TABLE made_later")  # data, not the schema
    # The migrating user's own timeout stays its own, and a second deployment changes nothing
    assert handler({"action": "apply"}) == {"applied": [], "version": VERSIONS[-1]}
