"""What Lambda passes as ``context`` (the parts handlers and Powertools read): one stand-in for
the local gateway, `make invoke`, the tests and the benchmarks."""

from __future__ import annotations

import os
import time
import uuid


class LambdaContext:
    def __init__(self, function_name: str = "test-function", timeout_s: float = 30) -> None:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
