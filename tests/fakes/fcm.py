"""A fake FCM HTTP v1 server on 127.0.0.1: what the push dispatcher talks to when FCM_API_BASE_URL
points here. It records every message it accepts (data, and the android options such as
collapse_key and notification tag), can answer 5xx for the next N requests, answers UNREGISTERED
for the tokens it is told are gone (or any other FCM error for a token), can answer slowly, and
hands out OAuth tokens at ``/token`` (a service account's ``token_uri`` may point there).

To watch the pushes of `make run`:  python -m tests.fakes.fcm --port 9099   (prints each one)
and start `make run` with FCM_API_BASE_URL=http://127.0.0.1:9099."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from tests.fakes.server import Answer, FakeServer, Request, json_answer

SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
TOKEN_PATH = "/token"


def fcm_error(status: int, rpc_status: str, fcm_code: str | None = None, message: str = "") -> dict[str, Any]:
    """FCM's error answer: a google.rpc status, with an FcmError detail when ``fcm_code`` is given."""
    error: dict[str, Any] = {"code": status, "message": message or f"{rpc_status} (fake)", "status": rpc_status}
    if fcm_code:
        error["details"] = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
    return {"error": error}


UNREGISTERED_BODY = fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")


def _server_error(status: int) -> dict[str, Any]:
    name = {500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
    return fcm_error(status, name, message="The service is currently unavailable.")


class FakeFcm(FakeServer):
    protocol_version = "HTTP/1.1"
    request_queue_size = 1024  # the dispatcher sends a batch of up to 500 at once

    def __init__(self, port: int = 0, echo: bool = False) -> None:
        super().__init__(port)
        self.echo = echo
        self.accepted: list[dict[str, Any]] = []  # the "message" objects delivered, in arrival order
        self.requests = 0  # every send request, including refused ones
        self.projects: set[str] = set()
        self.unregistered: set[str] = set()
        self.refusals: dict[str, Answer] = {}  # token -> the answer to every message to it
        self.delay_s = 0.0  # how long each send request waits before it is answered
        self.token_requests: list[dict[str, list[str]]] = []  # the forms posted to /token
        self._fail_next = 0
        self._fail_status = 503
        self._ids = itertools.count(1)
        self._changed = self.lock

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` send requests with ``status``."""
        with self._changed:
            self._fail_next, self._fail_status = count, status

    def refuse(self, token: str, status: int, body: dict[str, Any] | bytes) -> None:
        """Answer every message to ``token`` with ``status`` and ``body`` (JSON, or bytes as they are)."""
        with self._changed:
            self.refusals[token] = json_answer(status, body) if isinstance(body, dict) else (status, body, "text/html")

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

    def _answer(self, project: str, body: dict[str, Any]) -> Answer:
        with self._changed:
            self.requests += 1
            self.projects.add(project)
            if self._fail_next > 0:
                self._fail_next -= 1
                return json_answer(self._fail_status, _server_error(self._fail_status))
            message = body["message"]
            if message.get("token") in self.unregistered:
                return json_answer(404, UNREGISTERED_BODY)
            if message.get("token") in self.refusals:
                return self.refusals[message["token"]]
            self.accepted.append(message)
            self._changed.notify_all()
            if self.echo:
                shown = {"project": project, "token": message.get("token"), "data": message.get("data")}
                if (message.get("android") or {}).get("collapse_key"):
                    shown["collapse_key"] = message["android"]["collapse_key"]
                print(json.dumps(shown))
            return json_answer(200, {"name": f"projects/{project}/messages/{next(self._ids)}"})

    def _token(self, request: Request) -> Answer:
        with self._changed:
            self.token_requests.append(urllib.parse.parse_qs(request.body.decode()))
            number = len(self.token_requests)
        return json_answer(200, {"access_token": f"fake-access-{number}", "expires_in": 3600, "token_type": "Bearer"})

    def answer(self, request: Request) -> Answer:
        if request.method == "POST" and request.path == TOKEN_PATH:
            return self._token(request)
        found = SEND_PATH.match(request.path) if request.method == "POST" else None
        if found is None:
            return json_answer(404, fcm_error(404, "NOT_FOUND"))
        time.sleep(self.delay_s)
        return self._answer(found["project"], request.json())

    def answer_headers(self, status: int) -> dict[str, str]:
        # As Google's FCM does: come back later. A client that obeys it in the request would wait.
        return {"retry-after": "2"} if status == 429 or status >= 500 else {}


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
