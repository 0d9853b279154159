"""A fake Telegram Bot API on 127.0.0.1: records every call and answers like Telegram, or fails
(HTTP 5xx, ``ok: false``), answers 403 as for a client who blocked the bot, rate-limits (429 with
``parameters.retry_after``) or hangs past the client's timeout when told to."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Call:
    token: str
    method: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)


class FakeTelegram:
    def __init__(self, port: int = 0) -> None:
        self.calls: list[Call] = []
        self.mode = "ok"  # ok | error (HTTP 500) | refuse (HTTP 400, ok: false) | blocked (HTTP 403) | hang
        self._rate_limited: tuple[int | None, int] = (0, 0)  # (retry_after, how many more calls) to answer 429
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._next_message_id = 1000
        self.webhooks: dict[str, dict[str, Any]] = {}  # per bot token: what setWebhook registered
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message) getWebhookInfo reports
        self.pending_updates = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent_messages(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "sendMessage"]

    def fail(self, mode: str = "error") -> None:
        self.mode = mode

    def rate_limit(self, retry_after: int | None, times: int = 1) -> None:
        """Answer the next ``times`` calls 429 Too Many Requests with ``parameters.retry_after``
        (None: without ``parameters``)."""
        with self._lock:
            self._rate_limited = (retry_after, times)

    def recover(self) -> None:
        self.mode = "ok"
        with self._lock:
            self._rate_limited = (0, 0)
        self._release.set()  # let hanging requests finish (their callers gave up already)
        self._release = threading.Event()

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        with self._lock:
            retry_after, times = self._rate_limited
            self._rate_limited = (retry_after, max(0, times - 1))
        if times > 0:
            answer: dict[str, Any] = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
            if retry_after is not None:
                answer["description"] += f": retry after {retry_after}"
                answer["parameters"] = {"retry_after": retry_after}
            return 429, answer
        mode = self.mode
        if mode == "hang":
            self._release.wait(timeout=10)
            mode = "error"
        if mode == "error":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if mode == "refuse":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if mode == "blocked":
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if call.method == "setWebhook":
            with self._lock:
                self.webhooks[call.token] = call.body
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if call.method == "getWebhookInfo":
            return 200, {"ok": True, "result": self._webhook_info(call.token)}
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat = {"id": call.body.get("chat_id"), "type": "private"}
        return 200, {"ok": True, "result": {"message_id": message_id, "chat": chat, "text": call.body.get("text")}}

    def _webhook_info(self, token: str) -> dict[str, Any]:
        hook = self.webhooks.get(token) or {}
        info: dict[str, Any] = {"url": hook.get("url", ""), "has_custom_certificate": False}
        info["pending_update_count"] = self.pending_updates
        if hook.get("allowed_updates"):
            info["allowed_updates"] = hook["allowed_updates"]
        if self.webhook_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                _, bot, method = self.path.split("/", 2)
                call = Call(bot.removeprefix("bot"), method, body)
                with fake._lock:
                    fake.calls.append(call)
                status, answer = fake._answer(call)
                out = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client timed out and went away

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def main() -> None:
    """Serve the fake for `make run` (TELEGRAM_API_BASE_URL=http://127.0.0.1:<port>): every call
    answered as told."""
    import argparse
    import contextlib

    parser = argparse.ArgumentParser(description="A fake Telegram Bot API for trying out refusals under make run")
    parser.add_argument("--port", type=int, default=9098)
    parser.add_argument("--mode", choices=["ok", "error", "refuse", "blocked"], default="ok")
    parser.add_argument("--retry-after", type=int, default=None, help="answer every call 429 with this retry_after")
    args = parser.parse_args()
    fake = FakeTelegram(args.port)
    fake.fail(args.mode)
    if args.retry_after is not None:
        fake.rate_limit(args.retry_after, times=10**9)
    answers = args.mode if args.retry_after is None else f"429 retry_after={args.retry_after}"
    print(f"fake Telegram ({answers}) on {fake.url} - run `TELEGRAM_API_BASE_URL={fake.url} make run`", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake._server.serve_forever()


if __name__ == "__main__":
    main()
