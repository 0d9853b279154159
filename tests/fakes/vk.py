"""A fake VK API on 127.0.0.1: the methods the VK channel calls, answered as VK does (HTTP 200 with
``response``, or HTTP 200 with an ``error`` object), the upload servers they point at, and file
URLs for incoming attachments.

- ``POST /method/messages.send``: records the message; a ``random_id`` seen before for that peer
  returns the first send's id again and records nothing (VK's own idempotency).
- ``photos.getMessagesUploadServer`` / ``docs.getMessagesUploadServer`` -> an ``upload_url`` here;
  ``POST /upload/photo`` | ``/upload/doc`` (multipart ``photo`` | ``file``) -> what
  ``photos.saveMessagesPhoto`` / ``docs.save`` take back and turn into a saved photo / doc.
- ``users.get``: names from ``users`` (else ``Имя Фамилия``).
- ``GET /files/<name>``: bytes added with ``add_file`` (the URLs a fixture's attachments use).
- ``fail_with(code, times, method)``: the next calls answer VK error ``code``; ``fail_http(status)``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.server import Answer, FakeServer, Request, json_answer
from tests.fakes.telegram import _multipart

ERRORS = {
    6: "Too many requests per second",
    9: "Flood control",
    10: "Internal server error",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, str]  # without access_token
    token: str


@dataclass(frozen=True)
class Sent:
    peer_id: str
    message: str
    attachment: str
    random_id: str
    message_id: int


class FakeVk(FakeServer):
    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.uploads: list[tuple[str, str, str, bytes]] = []  # (kind, file name, content type, bytes)
        self.files: dict[str, bytes] = {}
        self.users: dict[str, tuple[str, str]] = {}
        self._errors: list[tuple[int, str | None]] = []  # (code, method or None): one per coming call
        self._http_status: int | None = None
        self._ids = itertools.count(5001)
        self._by_random: dict[tuple[str, str], int] = {}

    def add_file(self, name: str, data: bytes) -> str:
        """Serve ``data`` at ``/files/<name>``; returns its URL."""
        self.files[name] = data
        return f"{self.url}/files/{name}"

    def fail_with(self, code: int, times: int = 1, method: str | None = None) -> None:
        with self.lock:
            self._errors.extend([(code, method)] * times)

    def fail_http(self, status: int | None) -> None:
        self._http_status = status

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def answer(self, request: Request) -> Answer:
        path = request.path.split("?", 1)[0]
        if request.method == "GET" and path.startswith("/files/"):
            data = self.files.get(path.removeprefix("/files/"))
            return (200, data, "application/octet-stream") if data is not None else (404, b"no", "text/plain")
        if self._http_status is not None:
            return self._http_status, b"<html>bad gateway</html>", "text/html"
        if path.startswith("/upload/"):
            return self._upload(path.removeprefix("/upload/"), request)
        params = dict(parse_qsl(request.body.decode()))
        token = params.pop("access_token", "")
        method = path.removeprefix("/method/")
        with self.lock:
            self.calls.append(Call(method, params, token))
            failing = next((e for e in self._errors if e[1] in (None, method)), None)
            if failing is not None:
                self._errors.remove(failing)
        if failing is not None:
            code = failing[0]
            return json_answer(200, {"error": {"error_code": code, "error_msg": ERRORS.get(code, "Unknown error")}})
        return json_answer(200, {"response": self._method(method, params)})

    def _method(self, method: str, params: dict[str, str]) -> Any:
        if method == "messages.send":
            return self._send(params)
        if method == "users.get":
            first, last = self.users.get(params.get("user_ids", ""), ("Имя", "Фамилия"))
            return [{"id": int(params.get("user_ids", "0")), "first_name": first, "last_name": last}]
        if method == "photos.getMessagesUploadServer":
            return {"upload_url": f"{self.url}/upload/photo", "album_id": -64, "user_id": 0, "group_id": 229000111}
        if method == "docs.getMessagesUploadServer":
            return {"upload_url": f"{self.url}/upload/doc"}
        if method == "photos.saveMessagesPhoto":
            upload = json.loads(params.get("photo") or "{}")
            return [{"id": upload.get("n", 0), "owner_id": -229000111, "album_id": -64, "access_key": "k1", "date": 0}]
        if method == "docs.save":
            number = int(params.get("file", "doc:0").split(":")[1])
            doc = {"id": number, "owner_id": 7, "title": params.get("title"), "size": 1, "ext": "pdf"}
            return {"type": "doc", "doc": doc}
        return 1

    def _send(self, params: dict[str, str]) -> int:
        peer, random_id = params.get("peer_id", ""), params.get("random_id", "0")
        with self.lock:
            if random_id != "0" and (peer, random_id) in self._by_random:
                return self._by_random[(peer, random_id)]
            message_id = next(self._ids)
            self._by_random[(peer, random_id)] = message_id
            self.sent.append(Sent(peer, params.get("message", ""), params.get("attachment", ""), random_id, message_id))
            return message_id

    def _upload(self, kind: str, request: Request) -> Answer:
        _, files = _multipart(request.headers.get("content-type") or "", request.body)
        field = "photo" if kind == "photo" else "file"
        if field not in files:
            return json_answer(200, {"error": "no file"})
        name, content_type, data = files[field]
        with self.lock:
            self.uploads.append((kind, name, content_type, data))
            number = len(self.uploads)
        if kind == "photo":
            return json_answer(200, {"server": 1, "photo": json.dumps({"n": number}), "hash": "h"})
        return json_answer(200, {"file": f"doc:{number}"})


def running() -> FakeVk:
    """A fake VK API, served for a ``with`` block."""
    return FakeVk()
