"""Fixtures shared by every test: a real PostgreSQL database, data factories, and clients that
call the API the way the app does (through template.yaml's routes, in-process or over HTTP)."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from aws_lambda_powertools.utilities import parameters
from psycopg.conninfo import make_conninfo

from shared.auth import passwords
from shared.channels import accounts
from shared.core import db, migrations, settings
from tests.helpers import Api, Factory, LambdaContext

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
_SERVER_URL = os.environ.get("DATABASE_URL")  # read before the tests point DATABASE_URL at their own database


def _server_url() -> str:
    """The PostgreSQL server to test against: DATABASE_URL if set, else the embedded one."""
    if _SERVER_URL:
        return _SERVER_URL
    from devtools import embedded_pg

    lock_path = ROOT / ".local" / "embedded-pg.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:  # pytest-xdist workers start it once between them
        fcntl.flock(lock, fcntl.LOCK_EX)
        return embedded_pg.ensure_running()


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database for this test session (each xdist worker has its own)."""
    name = f"bcrm_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(server_url, dbname=name)
    migrations.apply(url)
    os.environ["DATABASE_URL"] = url
    settings.reset()
    yield url
    db.close()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from the default settings; ``configure`` changes them for one test."""
    yield
    monkeypatch.undo()
    settings.reset()
    passwords.reset()
    accounts.forget_cached()  # a webhook's channel accounts, cached per container
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools caches secrets across tests otherwise


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_values(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        settings.reset()
        passwords.reset()

    return set_values


@pytest.fixture
def secrets_manager() -> Iterator[Any]:
    """AWS Secrets Manager, in memory (moto)."""
    import boto3
    from moto import mock_aws

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-central-1")
    parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.fixture
def s3(configure: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """S3 in memory (moto) with the media bucket, and the media store set to use it. Inside it, moto
    answers ``requests`` (not httpx) at S3's addresses."""
    import boto3
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket="bcrm-media", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        configure(media_bucket="bcrm-media", aws_region="eu-central-1")
        yield client


@pytest.fixture
def factory(database_url: str) -> Iterator[Factory]:
    f = Factory(database_url)
    yield f
    f.close()


@pytest.fixture(scope="session")
def gateway(database_url: str) -> Any:
    from devtools.gateway import Gateway

    return Gateway(TEMPLATE)


@pytest.fixture
def api(gateway: Any) -> Api:
    """The API through template.yaml's routes, invoked in-process (no sockets)."""
    return Api.in_process(gateway)


@pytest.fixture(scope="session")
def http_base_url(gateway: Any) -> Iterator[str]:
    """The local gateway serving over real HTTP on a free loopback port."""
    base_url, stop = gateway.start_background(host="127.0.0.1", port=0, workers=8)
    yield base_url
    stop()


@pytest.fixture
def local_media(configure: Any, tmp_path: Path, http_base_url: str) -> Path:
    """The media store in a folder of the test's own, its files served by the local gateway over
    HTTP (as under `make run`): the folder."""
    configure(media_local_dir=str(tmp_path / "media"), media_local_base_url=http_base_url)
    return tmp_path / "media"


@pytest.fixture
def http_api(http_base_url: str) -> Iterator[Api]:
    client = Api.over_http(http_base_url)
    yield client
    client.close()


_loaded: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """functions/<name>/app.py as a module (each function is its own 'app' module)."""
    if name not in _loaded:
        spec = importlib.util.spec_from_file_location(f"function_{name}", ROOT / "functions" / name / "app.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[name] = module
    return _loaded[name]


@pytest.fixture
def invoke(database_url: str) -> Any:
    """Call a function's lambda_handler directly, as Lambda does; returns (status, body, headers)."""

    def call(function: str, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        result = load_function(function).lambda_handler(event, LambdaContext(function))
        return result["statusCode"], json.loads(result["body"] or "null"), result.get("headers") or {}

    return call


@pytest.fixture
def captured_logs() -> Iterator[Any]:
    """Everything the functions log during the test, as the final text lines (masking applied)."""
    import io

    from shared.core.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer.getvalue
    handler.setStream(previous)  # type: ignore[attr-defined]


@pytest.fixture
def fake_telegram(configure: Any) -> Iterator[Any]:
    """A fake Telegram Bot API on 127.0.0.1 that the functions send to (TELEGRAM_API_BASE_URL)."""
    from tests.fakes import telegram

    with telegram.running() as fake:
        configure(telegram_api_base_url=fake.url, telegram_dry_run="false")
        yield fake


@pytest.fixture
def fake_fcm(configure: Any, factory: Factory) -> Iterator[Any]:
    """A fake FCM HTTP v1 server, with FCM_API_BASE_URL pointing the dispatcher at it. The outbox
    is shared by the session's tests: rows other tests left pending are set aside first, so the
    dispatcher sends only what this test queues."""
    from tests.fakes.fcm import FakeFcm

    fake = FakeFcm().start()
    configure(fcm_api_base_url=fake.url)
    factory.execute(
        "UPDATE push_outbox SET status = 'dead', last_error = 'set aside by a test' WHERE status = 'pending'"
    )
    yield fake
    fake.stop()
