"""A fake FCM HTTP v1 server on 127.0.0.1: what firebase-admin talks to when FCM_API_BASE_URL
points here. It records every message it accepts (data, and the android options such as
collapse_key and notification tag), can answer 5xx for the next N requests, and answers
UNREGISTERED for the tokens it is told are gone.

To watch the pushes of `make run`:  python -m tests.fakes.fcm --port 9099   (prints each one)
and start `make run` with FCM_API_BASE_URL=http://127.0.0.1:9099."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.server import Answer, FakeServer, Request, json_answer

SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")

UNREGISTERED_BODY = {
    "error": {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
        "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}],
    }
}


def _server_error(status: int) -> dict[str, Any]:
    name = {500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
    return {"error": {"code": status, "message": "The service is currently unavailable.", "status": name}}


class FakeFcm(FakeServer):
    protocol_version = "HTTP/1.1"
    request_queue_size = 1024  # firebase-admin sends a batch of up to 500 at once

    def __init__(self, port: int = 0, echo: bool = False) -> None:
        super().__init__(port)
        self.echo = echo
        self.accepted: list[dict[str, Any]] = []  # the "message" objects delivered, in arrival order
        self.requests = 0  # every send request, including refused ones
        self.projects: set[str] = set()
        self.unregistered: set[str] = set()
        self._fail_next = 0
        self._fail_status = 503
        self._ids = itertools.count(1)
        self._changed = self.lock

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` send requests with ``status``."""
        with self._changed:
            self._fail_next, self._fail_status = count, status

    def tokens(self, kind: str | None = None) -> list[str]:
        """Tokens of the accepted messages (of one push type if given), in arrival order."""
        with self._changed:
            return [m["token"] for m in self.accepted if kind is None or m["data"]["type"] == kind]

    def messages_to(self, token: str) -> list[dict[str, Any]]:
        with self._changed:
            return [m for m in self.accepted if m["token"] == token]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until ``condition()`` holds after some accepted message (or the timeout passes)."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def _answer(self, project: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._changed:
            self.requests += 1
            self.projects.add(project)
            if self._fail_next > 0:
                self._fail_next -= 1
                return self._fail_status, _server_error(self._fail_status)
            message = body["message"]
            if message.get("token") in self.unregistered:
                return 404, UNREGISTERED_BODY
            self.accepted.append(message)
            self._changed.notify_all()
            if self.echo:
                shown = {"project": project, "token": message.get("token"), "data": message.get("data")}
                if (message.get("android") or {}).get("collapse_key"):
                    shown["collapse_key"] = message["android"]["collapse_key"]
                print(json.dumps(shown))
            return 200, {"name": f"projects/{project}/messages/{next(self._ids)}"}

    def answer(self, request: Request) -> Answer:
        found = SEND_PATH.match(request.path) if request.method == "POST" else None
        if found is None:
            return json_answer(404, {"error": {"code": 404, "status": "NOT_FOUND"}})
        return json_answer(*self._answer(found["project"], request.json()))


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="A fake FCM HTTP v1 server that prints every push it receives")
    parser.add_argument("--port", type=int, default=9099)
    port = parser.parse_args().port
    fake = FakeFcm(port, echo=True)
    print(f"fake FCM on http://127.0.0.1:{port} - run `FCM_API_BASE_URL=http://127.0.0.1:{port} make run`", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.serve_forever()


if __name__ == "__main__":
    main()
