"""``python -m ops.admin``'s commands, run by the deployed stack's admin function.

    make admin-remote ARGS="create-tenant shop-kz 'Battery Shop Almaty' --region KZ"
    python -m ops.admin_remote [--stack NAME | --function NAME] COMMAND [ARGS...]

The database of a deployment sits in private subnets; the admin function (template.yaml's
``AdminFunction``, named ``<stack>-admin``) sits next to it. This invokes the function's ``live``
alias through ``aws lambda invoke`` with the command line, and prints what the command printed, with
its exit code: the same commands, the same checks, the same output as ``python -m ops.admin``
(``--password-stdin`` reads the password here and sends it along). The AWS CLI's credentials must
be the deployer's, the only ones the function's resource policy admits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

AWS_FAILED = 2  # the function could not be invoked (no credentials, no such stack, no network)
FUNCTION_FAILED = 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m ops.admin_remote", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = root.add_mutually_exclusive_group()
    where.add_argument("--stack", default="batterycrm", help="the stack's name: its admin function is <stack>-admin")
    where.add_argument("--function", help="the admin function's name or ARN (instead of --stack)")
    root.add_argument("command", nargs=argparse.REMAINDER, help="an ops.admin command line")
    return root


def invoke(function: str, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``aws lambda invoke`` of the function's ``live`` alias: the CLI's own answer and the function's."""
    aws = os.environ.get("AWS_CLI", "aws")
    with tempfile.TemporaryDirectory() as folder:
        # The payload (it may carry a password) goes in a file of this user's, not on a command line
        # that every process on the machine can read
        payload_file, answer_file = Path(folder) / "payload.json", Path(folder) / "answer.json"
        payload_file.write_text(json.dumps(payload))
        done = subprocess.run(  # noqa: S603 - a fixed command line
            [
                aws,
                "lambda",
                "invoke",
                "--function-name",
                function,
                "--qualifier",
                "live",
                "--payload",
                f"fileb://{payload_file}",
                "--output",
                "json",
                str(answer_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or f"aws lambda invoke exited with {done.returncode}")
        meta: dict[str, Any] = json.loads(done.stdout)
        answer: dict[str, Any] = json.loads(answer_file.read_text())
    return meta, answer


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.command:
        parser().print_usage(sys.stderr)
        print("error: name an ops.admin command (python -m ops.admin --help lists them)", file=sys.stderr)
        return AWS_FAILED
    stdin = sys.stdin.readline() if "--password-stdin" in args.command else ""
    function = args.function or f"{args.stack}-admin"
    try:
        meta, answer = invoke(function, {"args": args.command, "stdin": stdin})
    except (RuntimeError, OSError, ValueError) as exc:
        print(f"error: could not invoke {function}: {exc}", file=sys.stderr)
        return AWS_FAILED
    if meta.get("FunctionError"):
        print(
            f"error: {function} failed: {answer.get('errorType', '?')}: {answer.get('errorMessage', '')} "
            f"(its log group /aws/lambda/{args.stack}/Admin says more)",
            file=sys.stderr,
        )
        return FUNCTION_FAILED
    sys.stdout.write(answer.get("stdout", ""))
    sys.stderr.write(answer.get("stderr", ""))
    return int(answer.get("exit_code", FUNCTION_FAILED))


if __name__ == "__main__":
    sys.exit(main())
