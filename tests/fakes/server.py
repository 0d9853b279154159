"""The base of the fake HTTP servers (FCM, Telegram, VK, MAX): a ThreadingHTTPServer on 127.0.0.1
(port 0: any free one) in a daemon thread, every request recorded, answers as (status, body,
content type). A fake subclasses ``FakeServer`` and implements ``answer``; ``with Fake() as fake``
serves it for the block. ``command_line`` and ``serve_printing`` serve one for ``make run``."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Answer = tuple[int, bytes, str]  # status, body, content type


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


def json_answer(status: int, body: Any) -> Answer:
    return status, json.dumps(body).encode(), "application/json"


def command_line(description: str, port: int) -> argparse.ArgumentParser:
    """The options of a platform's fake served for ``make run``: its port and how it answers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--mode", choices=["ok", "error", "refuse", "blocked"], default="ok")
    return parser


class FakeServer:
    protocol_version = "HTTP/1.0"  # HTTP/1.1 keeps connections open between requests
    request_queue_size = 5  # how many connections may wait to be accepted

    def __init__(self, port: int = 0) -> None:
        self.lock = threading.Condition()  # guards the recorded state; notified as a fake sees fit
        self.received: list[Request] = []  # every request, in arrival order
        self._hold = threading.Event()  # what hanging answers wait on (``hang``)
        self._server = self._make_server(port)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def answer_headers(self, status: int) -> dict[str, str]:
        """Headers besides the content type and length, for an answer of ``status``."""
        return {}

    def start(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until Ctrl-C (a fake's command line)."""
        with contextlib.suppress(KeyboardInterrupt):
            self._server.serve_forever()

    def stop(self) -> None:
        self._hold.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hang(self) -> None:
        """Wait, as a platform that does not answer, until ``let_go`` or ``stop`` (at most 10 s)."""
        self._hold.wait(timeout=10)

    def let_go(self) -> None:
        """Let every hanging answer finish (their callers gave up already)."""
        self._hold.set()
        self._hold = threading.Event()

    def _make_server(self, port: int) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = fake.protocol_version

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.command, self.path, headers, self.rfile.read(length))
                with fake.lock:
                    fake.received.append(request)
                status, out, content_type = fake.answer(request)
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(out)))
                    for name, value in fake.answer_headers(status).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client timed out and went away

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = fake.request_queue_size

        return Server(("127.0.0.1", port), Handler)
