"""A fake Telegram Bot API on 127.0.0.1: records every call and answers like Telegram, or fails
(HTTP 5xx, ``ok: false``) or hangs past the client's timeout when told to."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Call:
    token: str
    method: str
    body: dict[str, Any]


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.mode = "ok"  # ok | error (HTTP 500) | refuse (HTTP 403, ok: false) | hang
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._next_message_id = 1000
        self.webhooks: dict[str, dict[str, Any]] = {}  # per bot token: what setWebhook registered
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message) getWebhookInfo reports
        self.pending_updates = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent_messages(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "sendMessage"]

    def fail(self, mode: str = "error") -> None:
        self.mode = mode

    def recover(self) -> None:
        self.mode = "ok"
        self._release.set()  # let hanging requests finish (their callers gave up already)
        self._release = threading.Event()

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        mode = self.mode
        if mode == "hang":
            self._release.wait(timeout=10)
            mode = "error"
        if mode == "error":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if mode == "refuse":
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
