"""The deployment, tried offline as a deployer would run it: template.yaml translated by the SAM
transform (aws-sam-translator, what `sam deploy` has CloudFormation run), then created in moto's
CloudFormation (a local moto server) twice side by side, `batterycrm` and `batterycrm-staging`, each
with its own database on the real PostgreSQL and its secrets in moto's Secrets Manager. The stack's
`Migrations` custom resource runs the real migrate handler, which reads its secret, migrates its
database and answers CloudFormation's ResponseURL: only then is the stack CREATE_COMPLETE.

moto creates what it supports (functions, roles, log groups, queues, alarms, topics, buckets...)
and skips the rest; the SAM transform, cfn-lint, `sam validate --lint` and checkov (make lint)
cover the whole template."""

from __future__ import annotations

import io
import json
import os
import secrets
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg
import pytest
from aws_lambda_powertools.utilities import parameters
from psycopg.conninfo import make_conninfo

from shared.core import migrations, settings
from tests.conftest import load_function
from tests.helpers import LambdaContext

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Tried to parse AWS::.* not supported by moto"),  # what moto skips
]

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"  # moto routes the custom resource's unsigned answer to its default region
CODE_BUCKET = "deploy-artifacts"


SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"  # the SAM CLI's interpreter: `make test` installs it


def cloudformation_template() -> tuple[dict[str, Any], list[str]]:
    """template.yaml as `sam package` + the SAM transform make it (devtools/sam_transform.py): the
    code in S3, then plain CloudFormation. Also the S3 keys the code must be found under."""
    assert SAM_PYTHON.exists(), "the SAM CLI is missing: `make test` (or `make lint`) installs it into .tools/sam"
    done = subprocess.run(
        [
            str(SAM_PYTHON),
            str(ROOT / "devtools" / "sam_transform.py"),
            str(ROOT / "template.yaml"),
            CODE_BUCKET,
            REGION,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    translated = json.loads(done.stdout)
    return translated["template"], translated["keys"]


def _alias_model() -> type:
    """moto's CloudFormation has no AWS::Lambda::Alias (every function here has the alias `live`):
    a model of it that creates the alias through moto's own Lambda backend. moto finds models by
    subclass, so defining it registers it."""
    from moto.awslambda.utils import get_backend
    from moto.core.common_models import CloudFormationModel

    class Alias(CloudFormationModel):
        def __init__(self, arn: str) -> None:
            self.arn = arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Alias:
            props = cloudformation_json["Properties"]
            alias = get_backend(account_id, region_name).create_alias(
                props["Name"], props["FunctionName"], str(props["FunctionVersion"]), "", ""
            )
            return cls(alias.arn)

    return Alias


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on loopback that every boto3 client of this process talks to; its URL."""
    from moto.awslambda.models import LambdaFunction, LambdaVersion
    from moto.server import ThreadedMotoServer

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MOTO_PORT": str(port),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(LambdaFunction, "invoke", _run_migrate_as_lambda_would(endpoint))
    alias_model = _alias_model()  # noqa: F841 - registered by being defined, kept alive for the test
    # moto's Lambda versions answer neither Ref nor GetAtt Version (SAM's alias and Migrations use both)
    monkeypatch.setattr(LambdaVersion, "physical_resource_id", property(lambda v: str(v.version)), raising=False)
    monkeypatch.setattr(LambdaVersion, "get_cfn_attribute", lambda v, name: str(v.version), raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield endpoint
    server.stop()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def _run_migrate_as_lambda_would(endpoint: str) -> Any:
    """moto runs a function's code in Docker; here its custom resource calls the real migrate handler
    in-process, with the function's environment from the stack. moto's ResponseURL names the host
    a container would reach it at: the answer goes to the same server on loopback."""

    def invoke(function: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
        event = json.loads(body)
        assert event["ResourceType"] == "Custom::Migrations", event["ResourceType"]
        url = urlsplit(event["ResponseURL"])
        event["ResponseURL"] = urlunsplit(url._replace(scheme="http", netloc=urlsplit(endpoint).netloc))
        environment = {name: str(value) for name, value in function.environment_vars.items()}
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        os.environ.pop("DATABASE_URL", None)  # the secret, as in AWS
        settings.reset()
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        try:
            load_function("migrate").lambda_handler(event, LambdaContext(function.function_name, timeout_s=300))
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        return b"null"

    return invoke


@pytest.fixture
def two_databases(server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """An empty database per stack (what a deployer creates before the first deploy)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    names = {stack: f"bcrm_deploy_{secrets.token_hex(4)}" for stack in ("batterycrm", "batterycrm-staging")}
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    yield {stack: make_conninfo(server_url, dbname=name) for stack, name in names.items()}
    settings.reset()
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _upload_code(keys: list[str]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=CODE_BUCKET)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return None\n")
    for key in keys:
        s3.put_object(Bucket=CODE_BUCKET, Key=key, Body=package.getvalue())


def _deploy(stack: str, body: str, database_url: str) -> dict[str, Any]:
    secrets_manager = boto3.client("secretsmanager", region_name=REGION)
    database = secrets_manager.create_secret(Name=f"{stack}/database", SecretString=database_url)["ARN"]
    firebase = secrets_manager.create_secret(Name=f"{stack}/firebase", SecretString="{}")["ARN"]
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=body,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=[
            {"ParameterKey": "DatabaseSecretArn", "ParameterValue": database},
            {"ParameterKey": "FirebaseSecretArn", "ParameterValue": firebase},
            {"ParameterKey": "AlarmEmail", "ParameterValue": "ops@shop.test"},
        ],
    )
    deadline = time.monotonic() + 120
    while True:
        described: dict[str, Any] = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
        if described["StackStatus"] != "CREATE_IN_PROGRESS" or time.monotonic() > deadline:
            return described


def test_two_stacks_side_by_side_deploy_and_migrate_their_own_databases(
    aws: str, two_databases: dict[str, str]
) -> None:
    template, keys = cloudformation_template()
    _upload_code(keys)
    body = json.dumps(template)
    latest = migrations.migration_files()[-1].name[:4]
    for stack, database_url in two_databases.items():
        described = _deploy(stack, body, database_url)
        assert described["StackStatus"] == "CREATE_COMPLETE", (stack, described.get("StackStatusReason"))
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        assert outputs["SchemaVersion"] == latest
        assert outputs["AdminFunctionName"] == f"{stack}-admin"
        assert migrations.applied_versions(database_url)[-1] == latest  # the real schema, in its own database

    functions = {f["FunctionName"]: f for f in _all(boto3.client("lambda", region_name=REGION), "list_functions")}
    for stack in two_databases:  # the names that must differ between stacks in one account
        assert {f"{stack}-{fixed}" for fixed in ("push-dispatcher", "media-worker", "migrate", "admin")} <= set(
            functions
        )
    assert {f["Runtime"] for f in functions.values()} == {"python3.13"}  # (moto does not keep Architectures)
    template_functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 2 * len(template_functions)

    queues = boto3.client("sqs", region_name=REGION).list_queues()["QueueUrls"]
    assert {q.rsplit("/", 1)[1] for q in queues} >= {f"{s}-failed-runs" for s in two_databases}


def test_the_schedules_are_named_after_their_stack() -> None:
    template, _ = cloudformation_template()
    names = [r["Properties"]["Name"] for r in template["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert sorted(n["Fn::Sub"] for n in names) == [  # names are per account: fixed ones clash between two stacks
        "${AWS::StackName}-media-worker",
        "${AWS::StackName}-push-dispatcher",
        "${AWS::StackName}-session-cleanup",
    ]


def test_every_function_runs_python_3_13_on_arm64_and_the_api_ones_through_a_snapstart_alias() -> None:
    template, _ = cloudformation_template()
    resources = template["Resources"]
    functions = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert {(f["Runtime"], tuple(f["Architectures"])) for f in functions.values()} == {("python3.13", ("arm64",))}
    snapstart = {
        name for name, f in functions.items() if f.get("SnapStart", {}).get("ApplyOn") == {"Ref": "SnapStartMode"}
    }
    routed = {  # API Gateway's integrations call the alias, whose version is the snapshotted one
        r["Properties"]["FunctionName"]["Ref"].removesuffix("Aliaslive")
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    assert routed and routed == snapstart
    assert {"MigrateFunction", "AdminFunction", "PushDispatcherFunction"}.isdisjoint(snapstart)


def _all(client: Any, operation: str) -> list[dict[str, Any]]:
    pages = client.get_paginator(operation).paginate()
    return [item for page in pages for key, items in page.items() if isinstance(items, list) for item in items]
