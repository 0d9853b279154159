"""Rollbacks: every .down.sql undoes exactly its migration, `--down-to` refuses what it cannot undo,
and up -> down -> up on a fresh database gives back sql/schema.sql."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from shared.core import migrations
from tests.helpers import run_module

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = [p.name[:4] for p in migrations.migration_files()]


@pytest.fixture
def new_database(server_url: str) -> Iterator[Callable[[], str]]:
    """Creates empty databases on demand; drops them all afterwards."""
    names: list[str] = []

    def create() -> str:
        name = f"bcrm_down_{secrets.token_hex(4)}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return make_conninfo(server_url, dbname=name)

    yield create
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_migration_has_a_rollback() -> None:
    for path in migrations.migration_files():
        assert path.with_name(path.name.removesuffix(".sql") + ".down.sql").exists(), path.name


def test_rolling_everything_back_leaves_only_the_bookkeeping(new_database: Callable[[], str]) -> None:
    url = new_database()
    migrations.apply(url)
    rolled_back = migrations.rollback(url, "0000")
    assert rolled_back == [p.name for p in reversed(migrations.migration_files())]
    assert migrations.applied_versions(url) == []
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    assert tables == ["schema_migrations"]
    # ...and the full way up again gives exactly the checked-in schema
    assert migrations.apply(url) == [p.name for p in migrations.migration_files()]
    assert migrations.describe_schema(url) == (ROOT / "sql" / "schema.sql").read_text()


@pytest.mark.parametrize("version", VERSIONS[:-1])
def test_rolling_back_to_a_version_gives_that_versions_schema(version: str, new_database: Callable[[], str]) -> None:
    # Given a database migrated only up to `version`, as it was back then
    then = new_database()
    migrations.apply(then, target=version)
    # When a fully migrated database is rolled back to `version`
    now = new_database()
    migrations.apply(now)
    rolled_back = migrations.rollback(now, version)
    # Then it has the same schema, knows it is at `version`, and migrates up to the current schema again
    assert rolled_back == [p.name for p in reversed(migrations.migration_files()) if p.name[:4] > version]
    assert migrations.describe_schema(now) == migrations.describe_schema(then)
    assert migrations.applied_versions(now) == [v for v in VERSIONS if v <= version]
    migrations.apply(now)
    assert migrations.describe_schema(now) == (ROOT / "sql" / "schema.sql").read_text()


def test_rolling_back_to_the_current_version_changes_nothing(new_database: Callable[[], str]) -> None:
    url = new_database()
    migrations.apply(url)
    assert migrations.rollback(url, VERSIONS[-1]) == []
    assert migrations.applied_versions(url) == VERSIONS


def test_a_migration_without_its_down_file_is_refused_before_anything_changes(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    (tmp_path / "0001_one.down.sql").write_text("DROP TABLE one;")
    (tmp_path / "0002_two.sql").write_text("CREATE TABLE two (id int);")
    url = new_database()
    migrations.apply(url, tmp_path)
    with pytest.raises(RuntimeError, match=r"cannot roll back 0002_two\.sql: no 0002_two\.down\.sql"):
        migrations.rollback(url, "0000", tmp_path)
    assert migrations.applied_versions(url) == ["0001", "0002"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('one'), to_regclass('two')").fetchone() == ("one", "two")


def test_a_failing_rollback_keeps_that_migration_applied(new_database: Callable[[], str], tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    (tmp_path / "0001_one.down.sql").write_text("DROP TABLE one;")
    (tmp_path / "0002_two.sql").write_text("CREATE TABLE two (id int);")
    (tmp_path / "0002_two.down.sql").write_text("DROP TABLE two; SELECT no_such_function();")
    url = new_database()
    migrations.apply(url, tmp_path)
    with pytest.raises(psycopg.Error):
        migrations.rollback(url, "0000", tmp_path)
    assert migrations.applied_versions(url) == ["0001", "0002"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('two')").fetchone() == ("two",)


def test_a_version_is_four_digits(new_database: Callable[[], str]) -> None:
    with pytest.raises(ValueError, match="four digits"):
        migrations.rollback(new_database(), "4")


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("ops.migrate", *args, env={**os.environ, "DATABASE_URL": url})


def test_the_command_line_rolls_back_and_reports(new_database: Callable[[], str]) -> None:
    url = new_database()
    migrations.apply(url)
    done = run_cli(url, "--down-to", VERSIONS[-2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"rolled back {migrations.migration_files()[-1].name}",
        f"database is at {VERSIONS[-2]}",
    ]
    listed = run_cli(url, "--status")
    assert listed.stdout.splitlines()[-1] == f"pending  {migrations.migration_files()[-1].name}"
    wrong = run_cli(url, "--down-to", "latest")
    assert wrong.returncode != 0
    assert wrong.stderr.strip() == "error: a version is four digits (0000 for none), not 'latest'"
    assert "Traceback" not in wrong.stderr
