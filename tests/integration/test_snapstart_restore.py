"""SnapStart, simulated: Lambda initializes a function once, snapshots it, and restores copies of
that memory for every cold start. Here the init runs in this process (the handler loaded, a
database connection open, a secret read, the random module seeded), the runtime's before-snapshot
hooks run, and a forked child is the restored copy: it runs the after-restore hooks and then the
handler, and must open its own connection, read the secret afresh, and draw other random numbers
than the original does."""

from __future__ import annotations

import json
import os
import random
from typing import Any

import pytest

from devtools.lambda_context import request_id
from shared.core import db, secret_values, snapstart
from tests.conftest import load_function
from tests.helpers import Api, Factory, LambdaContext

pytestmark = [pytest.mark.integration, pytest.mark.direct_server]  # tells connections apart by backend pid


def _backend_pid() -> int:
    row = db.run(lambda conn: conn.execute("SELECT pg_backend_pid() AS pid").fetchone())
    assert row is not None
    return int(row["pid"])


def _session_status_event(token: str) -> dict[str, Any]:
    from tests.conftest import ROOT

    event: dict[str, Any] = json.loads((ROOT / "events" / "session_status.json").read_text())
    event["headers"]["authorization"] = f"Bearer {token}"
    return event


def _restored_copy(token: str, secret_arn: str, snapshot_random: Any) -> dict[str, Any]:
    """What the restored copy sees: runs in the forked child. A fork reseeds ``random`` by itself
    (os.register_at_fork), a restored microVM does not: the child first puts back the snapshot's state."""
    random.setstate(snapshot_random)
    snapstart.run_after_restore()  # what the runtime does right after a restore
    first_draws = {"random": random.random(), "request_id": request_id()}  # before anything else draws
    answer = load_function("session_status").lambda_handler(_session_status_event(token), LambdaContext("status"))
    return {
        **first_draws,
        "status": answer["statusCode"],
        "pid": _backend_pid(),
        "secret": secret_values.secret_value(secret_arn),
    }


def test_a_restored_copy_opens_its_own_connection_rereads_secrets_and_draws_other_random_numbers(
    api: Api, factory: Factory, secrets_manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")  # Powertools' own Secrets Manager client
    token = api.login(factory.operator())
    # The init: the handler's module and its state, as they are when Lambda takes the snapshot
    handler = load_function("session_status")
    assert handler.lambda_handler(_session_status_event(token), LambdaContext("status"))["statusCode"] == 200
    snapshot_pid = _backend_pid()
    secret_arn = secrets_manager.create_secret(Name="bcrm/snapstart-test", SecretString="read-at-init")["ARN"]
    assert secret_values.secret_value(secret_arn) == "read-at-init"
    secrets_manager.put_secret_value(SecretId=secret_arn, SecretString="rotated-since")  # while snapshotted
    snapstart.run_before_snapshot()  # what the runtime does just before the snapshot
    snapshot_random = random.getstate()

    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the restored copy: report and leave without running anything of pytest's
        os.close(read_end)
        try:
            report = _restored_copy(token, secret_arn, snapshot_random)
        except BaseException as exc:  # the parent asserts on it
            report = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        restored = json.loads(pipe.read())
    os.waitpid(child, 0)

    assert "error" not in restored, restored["error"]
    assert restored["status"] == 200
    assert restored["pid"] != snapshot_pid  # its own connection, not the snapshotted socket
    assert restored["secret"] == "rotated-since"  # read again, not the value cached before the snapshot
    # The original's first draws since the fork (it drew nothing in between): the states differ
    assert restored["random"] != random.random()
    assert restored["request_id"] != request_id()
    # The original (standing for the next copy restored) is unharmed: it opens a connection of its own too
    assert _backend_pid() not in (snapshot_pid, restored["pid"])


def test_the_connection_opened_during_init_is_closed_before_the_snapshot(database_url: str) -> None:
    during_init = _backend_pid()
    snapstart.run_before_snapshot()
    assert _backend_pid() != during_init
