"""A fake MAX Bot API on 127.0.0.1, built from MAX's published material (the official Go and
TypeScript clients' types and samples, the OpenAPI schema they ship): records every call and
answers like MAX, or fails when told to.

- ``POST /messages?user_id=`` answers ``{"message": {... "body": {"mid": ...}}}``; text over 4000
  characters is refused (400 ``proto.payload``); an attachment uploaded while ``not_ready`` > 0
  is refused that many times with 400 ``attachment.not.ready`` first;
- ``fail(mode)``: ``error`` (500), ``refuse`` (400), ``blocked`` (403 ``chat.denied``: the client
  stopped the bot), ``hang`` (past the client's timeout); ``rate_limit(times)``:
  429 ``too.many.requests`` (without Retry-After, as MAX answers);
- ``POST /uploads?type=`` gives an upload URL on this server (and the token, for video/audio);
  the upload (multipart field ``data``) answers ``{"photos": {...}}`` for an image,
  ``{"token": ...}`` for a file and XML for video/audio, as MAX does;
- ``GET /videos/{token}``, ``GET /files/...`` (incoming files: ``add_file``; ``rehost`` points an
  update's file URLs here), ``GET /me``, ``GET``/``POST /subscriptions``.

A wrong token (when ``tokens`` is set) is 401 ``verify.token``."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.fakes.server import Answer, FakeServer, Request, command_line, json_answer

BOT = {"user_id": 9000001, "first_name": "АКБ Маркет", "last_name": None, "username": "akb_market_bot", "is_bot": True}
_SECRET = re.compile(r"^[\w-]{5,256}$")


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the query
    query: dict[str, str]
    token: str | None  # the Authorization header
    body: Any  # JSON, or None
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Upload:
    type: str  # image | video | audio | file
    file_name: str
    content_type: str
    data: bytes
    token: str


@dataclass(frozen=True)
class Sent:
    user_id: int
    text: str | None
    attachments: list[dict[str, Any]]
    mid: str


def _multipart_file(content_type: str, raw: bytes) -> tuple[str, str, bytes] | None:
    """The ``data`` part of a multipart upload: (file name, content type, bytes)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"content-type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "data":
            payload = part.get_payload(decode=True)
            return part.get_filename() or "", part.get_content_type(), payload if isinstance(payload, bytes) else b""
    return None


class FakeMax(FakeServer):
    def __init__(self, port: int = 0, sample_file: bytes | None = None) -> None:
        super().__init__(port)
        self.sample_file = sample_file  # served for any unknown file (``make run``)
        self.tokens: set[str] = set()  # when set: the only bot tokens accepted
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.uploads: list[Upload] = []
        self.files: dict[str, bytes] = {}  # /files/<key> -> bytes
        self.videos: dict[str, str] = {}  # video token -> file key
        self.subscriptions: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | error | refuse | blocked | hang (POST /messages)
        self.upload_mode = "ok"  # ok | error (the upload URL answers 500)
        self.not_ready = 0  # how many sends each new upload's token is refused as not ready
        self._pending: dict[str, int] = {}  # upload token -> refusals left
        self._upload_urls: dict[str, tuple[str, str | None]] = {}  # upload id -> (type, token)
        self._rate_limited = 0  # how many more sends to answer 429
        self._seq = 0

    # --- telling it what to do ---

    def fail(self, mode: str = "error") -> None:
        self.mode = mode

    def rate_limit(self, times: int = 1) -> None:
        """Answer the next ``times`` sends 429."""
        with self.lock:
            self._rate_limited = times

    def recover(self) -> None:
        self.mode = "ok"
        self.upload_mode = "ok"
        with self.lock:
            self._rate_limited = 0
        self.let_go()

    def add_file(self, key: str, data: bytes) -> str:
        """Serve ``data`` at ``/files/<key>``; its URL."""
        self.files[key] = data
        return f"{self.url}/files/{key}"

    def add_video(self, token: str, data: bytes) -> None:
        """An incoming video: ``GET /videos/<token>`` points at its file."""
        self.videos[token] = f"videos/{token}.mp4"
        self.files[self.videos[token]] = data

    def rehost(self, update: dict[str, Any]) -> dict[str, Any]:
        """The update with every file URL of its attachments (and a linked message's) pointing at
        this server: ``https://i.oneme.ru/i?r=X`` -> ``<url>/files/i.oneme.ru/i?r=X``."""
        text = json.dumps(update)
        text = re.sub(r'"https://([a-z0-9.-]+\.(?:oneme|max)\.ru)/', lambda m: f'"{self.url}/files/{m.group(1)}/', text)
        result: dict[str, Any] = json.loads(text)
        return result

    def messages(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)

    def calls_to(self, method: str, path: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and c.path == path]

    # --- answering ---

    def answer(self, request: Request) -> Answer:
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/files/"):
            return self._file(request.path.removeprefix("/files/"))
        if parts.path.startswith("/upload/"):
            return self._upload(parts.path.removeprefix("/upload/"), request)
        token = request.headers.get("authorization")
        body = request.json() if request.body else None
        with self.lock:
            self.calls.append(Call(request.method, parts.path, query, token, body))
        if not token or (self.tokens and token not in self.tokens):
            return json_answer(401, {"code": "verify.token", "message": "Invalid access_token"})
        route = (request.method, parts.path)
        if route == ("POST", "/messages"):
            return self._send(query, body)
        if route == ("POST", "/uploads"):
            return self._upload_url(query.get("type", ""))
        if route == ("GET", "/me"):
            return json_answer(200, {**BOT, "last_activity_time": int(time.time() * 1000), "name": BOT["first_name"]})
        if route == ("POST", "/subscriptions"):
            return self._subscribe(body)
        if route == ("GET", "/subscriptions"):
            return json_answer(200, {"subscriptions": self.subscriptions})
        if request.method == "GET" and parts.path.startswith("/videos/"):
            return self._video(parts.path.removeprefix("/videos/"))
        return json_answer(404, {"code": "not.found", "message": "Path not found"})

    def _send(self, query: dict[str, str], body: Any) -> Answer:
        with self.lock:
            times = self._rate_limited
            self._rate_limited = max(0, times - 1)
        if times > 0:
            return json_answer(429, {"code": "too.many.requests", "message": "Too many requests. Limit is: 30 rps"})
        if self.mode == "hang":
            self.hang()
            return json_answer(500, {"code": "internal.error", "message": "Internal error"})
        refusal = self._refusal() or self._invalid(query, body)
        if refusal is not None:
            return refusal
        attachments = list(body.get("attachments") or [])
        if self._not_ready(attachments):
            return json_answer(
                400, {"code": "attachment.not.ready", "message": "Key: errors.process.attachment.file.not.processed"}
            )
        with self.lock:
            self._seq += 1
            mid = f"mid.00000000{secrets.token_hex(12)}"
            self.sent.append(Sent(int(query["user_id"]), body.get("text"), attachments, mid))
            seq = self._seq
        message = {
            "sender": {**BOT, "last_activity_time": int(time.time() * 1000), "name": BOT["first_name"]},
            "recipient": {"chat_id": 182000000 + int(query["user_id"]) % 1000, "chat_type": "dialog"},
            "timestamp": int(time.time() * 1000),
            "body": {"mid": mid, "seq": seq, "text": body.get("text"), "attachments": attachments or None},
        }
        return json_answer(200, {"message": message})

    def _refusal(self) -> Answer | None:
        if self.mode == "error":
            return json_answer(500, {"code": "internal.error", "message": "Internal error"})
        if self.mode == "refuse":
            return json_answer(400, {"code": "proto.payload", "message": "Invalid payload"})
        if self.mode == "blocked":
            return json_answer(403, {"code": "chat.denied", "message": "chat.denied: dialog is suspended"})
        return None

    @staticmethod
    def _invalid(query: dict[str, str], body: Any) -> Answer | None:
        if not query.get("user_id", "").isdigit() or not isinstance(body, dict):
            return json_answer(400, {"code": "proto.payload", "message": "user_id or chat_id is required"})
        text = body.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > 4000):
            return json_answer(400, {"code": "proto.payload", "message": "text: size must be between 0 and 4000"})
        if not text and not body.get("attachments"):
            return json_answer(400, {"code": "proto.payload", "message": "message is empty"})
        return None

    def _not_ready(self, attachments: list[Any]) -> bool:
        tokens: list[Any] = []
        for attachment in attachments:
            payload = attachment.get("payload") if isinstance(attachment, dict) else None
            if isinstance(payload, dict):
                tokens.append(payload.get("token"))
                tokens += [p.get("token") for p in (payload.get("photos") or {}).values() if isinstance(p, dict)]
        with self.lock:
            waiting = [t for t in tokens if isinstance(t, str) and self._pending.get(t, 0) > 0]
            for t in waiting:
                self._pending[t] -= 1
        return bool(waiting)

    def _upload_url(self, upload_type: str) -> Answer:
        if upload_type not in ("image", "video", "audio", "file"):
            return json_answer(400, {"code": "proto.payload", "message": "Unknown upload type"})
        upload_id = secrets.token_hex(6)
        token = secrets.token_urlsafe(24) if upload_type in ("video", "audio") else None
        with self.lock:
            self._upload_urls[upload_id] = (upload_type, token)
        answer: dict[str, Any] = {"url": f"{self.url}/upload/{upload_id}?sig={secrets.token_hex(8)}"}
        if token:
            answer["token"] = token
        return json_answer(200, answer)

    def _upload(self, upload_id: str, request: Request) -> Answer:
        with self.lock:
            found = self._upload_urls.pop(upload_id, None)
        part = _multipart_file(request.headers.get("content-type") or "", request.body)
        if found is None or part is None or request.headers.get("authorization"):
            return json_answer(400, {"code": "upload.error", "message": "Bad upload"})
        if self.upload_mode == "error":
            return json_answer(500, {"code": "internal.error", "message": "Upload failed"})
        upload_type, token = found
        token = token or secrets.token_urlsafe(32)
        with self.lock:
            self.uploads.append(Upload(upload_type, *part, token))
            self._pending[token] = self.not_ready
        if upload_type == "image":
            return json_answer(200, {"photos": {secrets.token_urlsafe(16): {"token": token}}})
        if upload_type == "file":
            return json_answer(200, {"token": token, "fileId": len(self.uploads)})
        return 200, b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<retval>1</retval>', "text/xml"

    def _subscribe(self, body: Any) -> Answer:
        body = body if isinstance(body, dict) else {}
        url, secret = body.get("url"), body.get("secret")
        if not isinstance(url, str) or not url.startswith("https://"):
            return json_answer(400, {"code": "proto.payload", "message": "url: only HTTPS webhooks are supported"})
        if secret is not None and not (isinstance(secret, str) and _SECRET.match(secret)):
            return json_answer(400, {"code": "proto.payload", "message": "secret: must match ^[\\w-]{5,256}$"})
        with self.lock:
            self.subscriptions = [s for s in self.subscriptions if s["url"] != url]
            self.subscriptions.append(
                {"url": url, "time": int(time.time() * 1000), "update_types": body.get("update_types"), "version": None}
            )
        return json_answer(200, {"success": True})

    def _video(self, token: str) -> Answer:
        key = self.videos.get(token)
        if key is None:
            return json_answer(404, {"code": "not.found", "message": "Video not found"})
        urls = {"mp4_720": f"{self.url}/files/{quote(key)}", "mp4_480": None, "hls": None}
        return json_answer(200, {"token": token, "urls": urls, "width": 720, "height": 1280, "duration": 12})

    def _file(self, key: str) -> Answer:
        data = self.files.get(key, self.sample_file)
        if data is None:
            return 404, b"not found", "text/plain"
        return 200, data, "application/octet-stream"


def running() -> FakeMax:
    """A fake MAX Bot API, served for a ``with`` block."""
    return FakeMax()


def main() -> None:
    """Serve the fake for ``make run`` (MAX_API_BASE_URL=http://127.0.0.1:<port>): every call is
    printed; any incoming file URL serves a sample photo."""
    from devtools.seed_media import png

    args = command_line("A fake MAX Bot API that prints every call it receives", 9097).parse_args()
    fake = FakeMax(args.port, sample_file=png())
    fake.fail(args.mode)
    run = f"MAX_API_BASE_URL={fake.url} TELEGRAM_DRY_RUN=false make run"
    print(f"fake MAX ({args.mode}) on {fake.url} - run `{run}`; every call is printed", flush=True)
    answer = fake.answer

    def echo(request: Request) -> Answer:
        parts = urlsplit(request.path)
        shown: dict[str, Any] = {"method": request.method, "path": parts.path, "query": parts.query}
        if "json" in (request.headers.get("content-type") or ""):
            shown["body"] = request.json()
        elif request.body:
            shown["bytes"] = len(request.body)
        print(json.dumps(shown, ensure_ascii=False), flush=True)
        return answer(request)

    fake.answer = echo  # type: ignore[method-assign]
    fake.serve_forever()


if __name__ == "__main__":
    main()
