"""The admin commands (``python -m ops.admin``) run inside the deployment, where the database is.

In AWS the database sits in private subnets that no shell reaches. ``make admin-remote ARGS="..."``
(ops/admin_remote.py) invokes this function through ``aws lambda invoke`` with
``{"args": ["create-tenant", ...], "stdin": "..."}``; it runs the very same command line with the
same checks and answers what the command printed and its exit code, for the caller to print. Only
the deployer's role may invoke it (``AdminInvokerArn`` in template.yaml). Nothing it answers is
logged: the answer carries the generated passwords and webhook secrets that are shown once.

``ops/`` (a link to the repository's ops/) is packaged with this function, not with the layer.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from ops import admin
from shared.core.observability import logger

USAGE = 2  # argparse's exit code for a bad command line
METRICS_DISABLED = "POWERTOOLS_METRICS_DISABLED"
BAD_EVENT = 'error: the event is {"args": ["command", ...], "stdin": "..."}\n'


def run_command(args: list[str], stdin: str) -> dict[str, Any]:
    """One ``ops.admin`` command line: its standard output, standard error and exit code."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    # ops.admin turns metrics off for the process it thinks it owns; this one lives on: put it back
    saved_metrics = os.environ.get(METRICS_DISABLED)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = admin.main(args)
            except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
                code = exc.code if isinstance(exc.code, int) else USAGE
    finally:
        sys.stdin = saved_stdin
        if saved_metrics is None:
            os.environ.pop(METRICS_DISABLED, None)
        else:
            os.environ[METRICS_DISABLED] = saved_metrics
    return {"exit_code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    args, stdin = event.get("args"), event.get("stdin", "")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args) or not isinstance(stdin, str):
        return {"exit_code": USAGE, "stdout": "", "stderr": BAD_EVENT}
    answer = run_command(args, stdin)
    # the command's name and outcome only: its arguments and output may hold a password
    logger.info("admin command", extra={"command": args[0] if args else None, "exit_code": answer["exit_code"]})
    return answer
