"""The database going away and coming back, and the Secrets Manager configuration path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from shared.core import db, migrations, secret_values
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

STATUS = "/webhook/api/operator/session"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[Path, int, str]]:
    """A second, throwaway PostgreSQL that this test may stop and start."""
    from devtools import embedded_pg

    data_dir, port = tmp_path / "pg", embedded_pg.free_port()
    url = embedded_pg.ensure_running(data_dir=data_dir, port=port)
    yield data_dir, port, url
    db.close()
    embedded_pg.stop(data_dir=data_dir)


def test_database_down_is_503_and_recovers_by_itself(
    own_server: tuple[Path, int, str], api: Api, configure: Any
) -> None:
    from devtools import embedded_pg

    data_dir, port, url = own_server
    migrations.apply(url)
    factory = Factory(url)
    op = factory.operator()
    factory.close()
    configure(database_url=url, db_connect_timeout_s=1)
    db.close()
    token = api.login(op)
    assert api.get(STATUS, token=token).status == 200
    # When the database stops, the API answers 503 with a code, never a traceback
    embedded_pg.stop(data_dir=data_dir)
    down = api.get(STATUS, token=token)
    assert (down.status, down.error_code) == (503, "service_unavailable")
    assert "Traceback" not in json.dumps(down.body)
    # And once it is back, the next request works without a restart
    embedded_pg.ensure_running(data_dir=data_dir, port=port)
    assert api.get(STATUS, token=token).status == 200
    db.close()


def test_database_url_from_an_rds_shaped_secret(
    secrets_manager: Any, database_url: str, configure: Any, api: Api, factory: Factory
) -> None:
    # Given the database credentials in Secrets Manager, as RDS stores them, and no DATABASE_URL
    parts = conninfo_to_dict(database_url)
    secret = {
        "username": parts.get("user", "postgres"),
        "password": "p@ss:w/rd",
        "host": parts["host"],
        "port": int(str(parts.get("port", 5432))),
        "dbname": parts["dbname"],
        "engine": "postgres",
    }
    arn = secrets_manager.create_secret(Name="batterycrm/db", SecretString=json.dumps(secret))["ARN"]
    configure(database_url="", database_secret_arn=arn, aws_region="eu-central-1", aws_default_region="eu-central-1")
    db.close()
    # Then the URL is built from it (the password URL-escaped) and the API works through it
    url = secret_values.database_url()
    assert url.startswith(f"postgresql://{secret['username']}:p%40ss%3Aw%2Frd@{parts['host']}:")
    op = factory.operator()
    assert api.post("/webhook/android/auth/login", {"login": op.login, "password": op.password}).status == 200
    db.close()


def test_secret_holding_a_plain_url(secrets_manager: Any, database_url: str, configure: Any) -> None:
    arn = secrets_manager.create_secret(Name="batterycrm/url", SecretString=database_url)["ARN"]
    configure(database_url="", database_secret_arn=arn, aws_default_region="eu-central-1")
    assert secret_values.database_url() == database_url
    with psycopg.connect(secret_values.database_url()) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
