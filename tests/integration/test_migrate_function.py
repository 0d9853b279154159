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
