"""The project's own template behind the local gateway: 404 / 405 from the $default function, any
method name, and a burst of simultaneous connections."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import routes
from devtools.gateway import Gateway

ROOT = Path(__file__).resolve().parent.parent.parent
TAKE = "/webhook/api/operator/appeals/5b0c7f8e-0000-4000-8000-000000000000/take"


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return Gateway(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def address(gateway: Gateway) -> Iterator[tuple[str, int]]:
    base_url, stop = gateway.start_background(host="127.0.0.1", port=0, workers=4)
    host, port = base_url.removeprefix("http://").split(":")
    yield host, int(port)
    stop()


def raw_request(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_the_route_list_of_the_default_function_is_up_to_date() -> None:
    assert routes.OUTPUT.read_text() == routes.render(), "run `python -m devtools.routes`"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/webhook/nothing-here", 404, "not_found"),
        ("GET", "/nothing", 404, "not_found"),
        ("GET", TAKE, 405, "method_not_allowed"),
        ("DELETE", "/webhook/android/auth/login", 405, "method_not_allowed"),
        ("TRACE", "/webhook/api/operator/session", 405, "method_not_allowed"),
        ("PROPFIND", "/webhook/nothing-here", 404, "not_found"),
    ],
)
def test_unrouted_requests_get_the_envelope(gateway: Gateway, method: str, path: str, status: int, code: str) -> None:
    got, headers, body = gateway.invoke(method, path, {}, b"")
    assert (got, json.loads(body)["error"]["code"]) == (status, code)
    if status == 405:
        assert headers["allow"]


def test_any_method_over_http_is_answered_in_the_envelope_never_html(address: tuple[str, int]) -> None:
    for method in ("TRACE", "CONNECT", "PROPFIND"):
        request = f"{method} /webhook/api/operator/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        status, headers, body = raw_request(address, request.encode())
        assert status == 405 and headers["content-type"] == "application/json", method
        assert json.loads(body)["error"]["code"] == "method_not_allowed"
    status, headers, body = raw_request(address, b"GET /x HTTP/abc\r\n\r\n")
    assert status == 400 and headers["content-type"] == "application/json"
    assert json.loads(body)["success"] is False


def test_32_simultaneous_connections_are_all_answered(address: tuple[str, int]) -> None:
    start = threading.Barrier(32, timeout=10)
    results: list[int | str] = []

    def call() -> None:
        start.wait()
        try:
            request = b"GET /webhook/nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            results.append(raw_request(address, request)[0])
        except OSError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=call) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [404] * 32
    # Linux retries a SYN the backlog had no room for; macOS resets it: the backlog itself must fit a burst
    from devtools.gateway import _Server

    assert _Server.request_queue_size >= 32
