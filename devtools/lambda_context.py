"""What Lambda passes as ``context`` (the parts handlers and Powertools read): one stand-in for
the local gateway, `make invoke`, the tests and the benchmarks; and the request ids both carry."""

from __future__ import annotations

import functools
import os
import time
import uuid


def request_id() -> str:
    """A fresh id shaped like Lambda's and API Gateway's (a version-4 UUID)."""
    return str(uuid.uuid4())


@functools.cache
def _function_arn(function_name: str) -> str:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return f"arn:aws:lambda:{region}:123456789012:function:{function_name}"


class LambdaContext:
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    log_stream_name = "local"

    def __init__(self, function_name: str = "test-function", timeout_s: float = 30) -> None:
        self.function_name = function_name
        self.invoked_function_arn = _function_arn(function_name)
        self.aws_request_id = request_id()
        self.log_group_name = f"/aws/lambda/{function_name}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
