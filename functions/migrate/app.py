"""The database migrations, run from inside the VPC (where the database is).

CloudFormation invokes it on every deployment that changes the code or the migrations (the
``Migrations`` custom resource in template.yaml): Create and Update apply what is pending, Delete
does nothing (deleting the stack never touches the data). The answer goes to CloudFormation's
pre-signed ``ResponseURL``; a failure fails the deployment, which CloudFormation then rolls back.

Invoked by hand (``aws lambda invoke``), it takes ``{"action": "status"}``, ``{"action": "apply"}``
or ``{"action": "down", "version": "NNNN"}`` and returns what it did.

``sql/`` (a link to the repository's sql/) is packaged with this function, not with the layer.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.core import migrations, secret_values
from shared.core.observability import logger

SQL_DIR = Path(__file__).resolve().parent / "sql"
PHYSICAL_ID = "batterycrm-schema"  # constant: an update never "replaces" (and so never deletes) the resource


def _latest(url: str) -> str:
    return (migrations.applied_versions(url) or ["0000"])[-1]


def run(event: dict[str, Any]) -> dict[str, Any]:
    """One direct invocation: status, apply, or down to a version."""
    url = secret_values.database_url()
    action = event.get("action", "apply")
    if action == "status":
        return {"version": _latest(url), "migrations": migrations.status(url, SQL_DIR)}
    if action == "apply":
        applied = migrations.apply(url, SQL_DIR)
        return {"applied": applied, "version": _latest(url)}
    if action == "down":
        rolled_back = migrations.rollback(url, str(event.get("version", "")), SQL_DIR)
        return {"rolled_back": rolled_back, "version": _latest(url)}
    raise ValueError(f"unknown action {action!r}: status, apply or down")


def _answer_cloudformation(event: dict[str, Any], status: str, reason: str, data: dict[str, str]) -> None:
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
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()


def custom_resource(event: dict[str, Any], context: LambdaContext) -> None:
    request_type = event["RequestType"]
    data: dict[str, str] = {}
    try:
        if request_type != "Delete":
            url = secret_values.database_url()
            applied = migrations.apply(url, SQL_DIR)
            data = {"Version": _latest(url), "Applied": ",".join(applied) or "-"}
            logger.info("migrations applied", extra={"applied": applied, "version": data["Version"]})
        status, reason = "SUCCESS", f"schema at {data.get('Version', '(untouched on Delete)')}"
    except Exception as exc:
        # Only the kind and the first line: the database URL (and its password) never leave the logs' masking
        first_line = (str(exc).splitlines() or [""])[0][:300]
        logger.exception("migrations failed", extra={"error": type(exc).__name__})
        status = "FAILED"
        log_group = getattr(context, "log_group_name", context.function_name)
        reason = f"migrations failed: {type(exc).__name__}: {first_line} (log group {log_group})"
    _answer_cloudformation(event, status, reason, data)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    if "RequestType" in event and "ResponseURL" in event:
        custom_resource(event, context)
        return None
    return run(event)
