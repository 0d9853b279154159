"""The database migrations, run from inside the VPC (where the database is).

CloudFormation invokes it on every deployment that changes the code or the migrations (the
``Migrations`` custom resource in template.yaml): Create and Update apply what is pending, Delete
does nothing (deleting the stack never touches the data). The answer goes to CloudFormation's
pre-signed ``ResponseURL``; a failure fails the deployment, which CloudFormation then rolls back.

It always answers, and before its own deadline (the function's remaining time less
``ANSWER_MARGIN_S``): the work runs in a thread, and if it has not finished by then (Secrets
Manager or the database unreachable, a lock held) the answer is FAILED with the reason. A
deployment therefore never waits for an answer that cannot come (and the resource's
``ServiceTimeout`` bounds the wait again should even the answer be lost).

A database secret whose value is ``pending`` (a first deployment that creates the network the
database will live in) is answered SUCCESS with nothing migrated. After migrating, the app's user
(the user of ``APP_DATABASE_SECRET_ARN``'s secret, when it is not the migrating user) is granted
its privileges and statement timeout (sql/0015_app_role.sql).

Invoked by hand (``aws lambda invoke``), it takes ``{"action": "status"}``, ``{"action": "apply"}``
or ``{"action": "down", "version": "NNNN"}`` and returns what it did.

``sql/`` (a link to the repository's sql/) is packaged with this function, not with the layer.
"""

from __future__ import annotations

import json
import queue
import threading
import urllib.request
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from psycopg.conninfo import conninfo_to_dict

from shared.core import migrations, secret_values
from shared.core.observability import logger
from shared.core.secret_values import PENDING
from shared.core.settings import get_settings

SQL_DIR = Path(__file__).resolve().parent / "sql"
PHYSICAL_ID = "batterycrm-schema"  # constant: an update never "replaces" (and so never deletes) the resource
ANSWER_MARGIN_S = 20  # of the function's time, kept for the answer itself (its PUT times out after 10 s)

Outcome = tuple[str, str, dict[str, str]]  # status, reason, data


def _latest(url: str) -> str:
    return (migrations.applied_versions(url) or ["0000"])[-1]


def _app_role() -> str | None:
    """The app's database user (from its own secret), to grant what it needs; None when unknown."""
    arn = get_settings().app_database_secret_arn
    if not arn:
        return None
    url = secret_values.url_from_secret(secret_values.secret_value(arn))
    user = None if url == PENDING else conninfo_to_dict(url).get("user")
    return str(user) if user else None


def _apply(url: str) -> list[str]:
    return migrations.apply(url, SQL_DIR, app_role=_app_role())


def run(event: dict[str, Any]) -> dict[str, Any]:
    """One direct invocation: status, apply, or down to a version."""
    url = secret_values.database_url()
    action = event.get("action", "apply")
    if action == "status":
        return {"version": _latest(url), "migrations": migrations.status(url, SQL_DIR)}
    if action == "apply":
        applied = _apply(url)
        return {"applied": applied, "version": _latest(url)}
    if action == "down":
        rolled_back = migrations.rollback(url, str(event.get("version", "")), SQL_DIR)
        return {"rolled_back": rolled_back, "version": _latest(url)}
    raise ValueError(f"unknown action {action!r}: status, apply or down")


def _answer_cloudformation(event: dict[str, Any], outcome: Outcome) -> None:
    status, reason, data = outcome
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": PHYSICAL_ID,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's pre-signed https URL
        event["ResponseURL"], data=body, method="PUT", headers={"content-type": ""}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


def _migrate(request_type: str, log_group: str) -> Outcome:
    """What the deployment asked for, as the answer to give: never raises."""
    try:
        if request_type == "Delete":
            return "SUCCESS", "schema untouched on Delete", {}
        url = secret_values.database_url()
        if url == PENDING:
            logger.info("database secret is pending: nothing migrated")
            return "SUCCESS", "the database secret is 'pending': nothing migrated", {"Version": PENDING, "Applied": "-"}
        applied = _apply(url)
        data = {"Version": _latest(url), "Applied": ",".join(applied) or "-"}
        logger.info("migrations applied", extra={"applied": applied, "version": data["Version"]})
        return "SUCCESS", f"schema at {data['Version']}", data
    except Exception as exc:
        # Only the kind and the first line: the database URL (and its password) never leave the logs' masking
        first_line = (str(exc).splitlines() or [""])[0][:300]
        logger.exception("migrations failed", extra={"error": type(exc).__name__})
        return "FAILED", f"migrations failed: {type(exc).__name__}: {first_line} (log group {log_group})", {}


def custom_resource(event: dict[str, Any], context: LambdaContext) -> None:
    log_group = getattr(context, "log_group_name", context.function_name)
    outcomes: queue.Queue[Outcome] = queue.Queue(maxsize=1)
    # A daemon thread: one that outlives the deadline is frozen with the container (each migration is
    # one transaction, so it either commits whole or not at all, and the next deployment re-checks).
    worker = threading.Thread(target=lambda: outcomes.put(_migrate(event["RequestType"], log_group)), daemon=True)
    worker.start()
    deadline_s = max(1.0, context.get_remaining_time_in_millis() / 1000 - ANSWER_MARGIN_S)
    try:
        outcome = outcomes.get(timeout=deadline_s)
    except queue.Empty:
        logger.error("migrations did not finish before the deadline", extra={"deadline_s": round(deadline_s)})
        outcome = (
            "FAILED",
            f"migrations did not finish within {deadline_s:.0f} s: the database or Secrets Manager unreachable, "
            f"or a lock held (log group {log_group})",
            {},
        )
    _answer_cloudformation(event, outcome)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    if "RequestType" in event and "ResponseURL" in event:
        custom_resource(event, context)
        return None
    return run(event)
