"""A fake Telegram Bot API on 127.0.0.1: records every call and answers like Telegram, or fails
(HTTP 5xx, ``ok: false``), answers 403 as for a client who blocked the bot, rate-limits (429 with
``parameters.retry_after``) or hangs past the client's timeout when told to.

Files: ``add_file(file_id, data)`` makes ``getFile`` answer a path and ``GET /file/bot<token>/<path>``
serve the bytes (``file_mode`` fails either step); ``sendPhoto``/``sendDocument`` multipart uploads
are recorded with their file (``Call.files``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import Answer, FakeServer, Request, command_line, json_answer


@dataclass(frozen=True)
class Call:
    token: str
    method: str
    body: dict[str, Any]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # field -> (name, type, bytes)
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, Any], dict[str, tuple[str, str, bytes]]]:
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"content-type: {content_type}\r\n\r\n".encode() + raw)
    fields: dict[str, Any] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, part.get_content_type(), payload)
        else:
            fields[str(name)] = payload.decode()
    return fields, files


class FakeTelegram(FakeServer):
    def __init__(self, port: int = 0, sample_file: bytes | None = None) -> None:
        super().__init__(port)
        self.sample_file = sample_file  # served for any unknown file_id (docs/tutorial.md's media block)
        self.calls: list[Call] = []
        self.method_modes: dict[str, str] = {}  # per Bot API method, over ``mode``
        self.mode = "ok"  # ok | error (HTTP 500) | refuse (HTTP 400, ok: false) | blocked (HTTP 403) | hang
        self._rate_limited: tuple[int | None, int] = (0, 0)  # (retry_after, how many more calls) to answer 429
        self._lock = self.lock
        self._next_message_id = 1000
        self.files: dict[str, bytes] = {}  # file_id -> bytes
        self.file_mode = "ok"  # ok | getfile_error | download_error | too_big | hang_download
        self.downloads: list[str] = []  # file paths downloaded
        self.webhooks: dict[str, dict[str, Any]] = {}  # per bot token: what setWebhook registered
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message) getWebhookInfo reports
        self.pending_updates = 0

    def sent_messages(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == "sendMessage"]

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def _get_file(self, call: Call) -> tuple[int, dict[str, Any]]:
        file_id = str(call.body.get("file_id"))
        if file_id not in self.files and self.sample_file is not None:
            self.files[file_id] = self.sample_file
        if self.file_mode == "getfile_error":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if self.file_mode == "too_big":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: file is too big"}
        if file_id not in self.files:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        result = {"file_id": file_id, "file_size": len(self.files[file_id]), "file_path": f"documents/{file_id}.bin"}
        return 200, {"ok": True, "result": result}

    def fail(self, mode: str = "error", method: str | None = None) -> None:
        """Answer every call (or only calls of ``method``) in ``mode`` until ``recover``."""
        if method is None:
            self.mode = mode
        else:
            self.method_modes[method] = mode

    def rate_limit(self, retry_after: int | None, times: int = 1) -> None:
        """Answer the next ``times`` calls 429 Too Many Requests with ``parameters.retry_after``
        (None: without ``parameters``)."""
        with self._lock:
            self._rate_limited = (retry_after, times)

    def recover(self) -> None:
        self.mode = "ok"
        self.method_modes.clear()
        with self._lock:
            self._rate_limited = (0, 0)
        self.let_go()

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
        mode = self.method_modes.get(call.method, self.mode)
        if mode == "hang":
            self.hang()
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
        if call.method == "getFile":
            return self._get_file(call)
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

    def answer(self, request: Request) -> Answer:
        if request.method == "GET":
            return self._download(request.path)
        content_type = request.headers.get("content-type") or ""
        files: dict[str, tuple[str, str, bytes]] = {}
        if content_type.startswith("multipart/form-data"):
            body, files = _multipart(content_type, request.body)
        else:
            body = request.json()
        _, bot, method = request.path.split("/", 2)
        call = Call(bot.removeprefix("bot"), method, body, files)
        with self._lock:
            self.calls.append(call)
        return json_answer(*self._answer(call))

    def _download(self, path: str) -> Answer:
        """/file/bot<token>/<file_path>: the file's bytes."""
        parts = path.split("/", 3)
        file_id = parts[3].removeprefix("documents/").removesuffix(".bin") if len(parts) == 4 else ""
        with self._lock:
            self.downloads.append(file_id)
        if self.file_mode == "hang_download":
            self.hang()
        if parts[1] != "file" or file_id not in self.files or self.file_mode != "ok":
            return 404 if self.file_mode == "ok" else 502, b"no", "text/plain"
        return 200, self.files[file_id], "application/octet-stream"


def running() -> FakeTelegram:
    """A fake Telegram Bot API, served for a ``with`` block."""
    return FakeTelegram()


def main() -> None:
    """Serve the fake for `make run` (TELEGRAM_API_BASE_URL=http://127.0.0.1:<port>): every call
    answered as told and printed; getFile serves a sample photo for any file_id."""
    from devtools.seed_media import png

    parser = command_line("A fake Telegram Bot API that prints every call it receives", 9098)
    parser.add_argument("--retry-after", type=int, default=None, help="answer every call 429 with this retry_after")
    args = parser.parse_args()
    fake = FakeTelegram(args.port, sample_file=png())
    fake.fail(args.mode)
    if args.retry_after is not None:
        fake.rate_limit(args.retry_after, times=10**9)
    answers = args.mode if args.retry_after is None else f"429 retry_after={args.retry_after}"
    print(f"fake Telegram ({answers}) on {fake.url} - run `TELEGRAM_API_BASE_URL={fake.url} make run`", flush=True)
    print("getFile serves a sample photo for any file_id; every call is printed", flush=True)
    original = fake._answer

    def echo(call: Call) -> tuple[int, dict[str, Any]]:
        files = {name: f"{meta[0]} ({meta[1]}, {len(meta[2])} bytes)" for name, meta in call.files.items()}
        print(json.dumps({"method": call.method, "body": call.body, "files": files}, ensure_ascii=False), flush=True)
        return original(call)

    fake._answer = echo  # type: ignore[method-assign]
    fake.serve_forever()


if __name__ == "__main__":
    main()
