"""The local gateway builds API Gateway's payload 2.0 events and answers like API Gateway."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import signal
import socket
import struct
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.gateway import Gateway, build_event
from devtools.workers import WorkerPool

ECHO = """
import json, os, pathlib, time

HERE = pathlib.Path(__file__).parent
ME = object()

def together():
    # two requests are inside the handler at the same time, or this times out
    (HERE / f"inside-{os.getpid()}").touch()
    deadline = time.monotonic() + 5
    while len(list(HERE.glob("inside-*"))) < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("alone in the handler")
        time.sleep(0.01)

def lambda_handler(event, context):
    if event["rawPath"] == "/boom":
        raise RuntimeError("boom")
    if event["rawPath"] == "/crash":
        os._exit(3)  # the function's process dies, as a segfault or an out-of-memory kill would
    if event["rawPath"] == "/respond":
        return json.loads(event["body"])
    if event["rawPath"] == "/together":
        together()
    return {"statusCode": 201, "headers": {"x-echo": "yes"},
            "body": json.dumps({"event": event, "module": id(ME), "pid": os.getpid(), "fn": context.function_name,
                                "setting": os.environ.get("ECHO_SETTING"),
                                "ms_left": context.get_remaining_time_in_millis()})}
"""

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Handler: app.lambda_handler
    Timeout: 7
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  Queue:
    Type: AWS::SQS::Queue
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Environment:
        Variables:
          QUEUE_ARN: !GetAtt Queue.Arn
          STAGE: !If [IsProd, prod, dev]
      Events:
        Item: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/items/{item_id}/take", Method: post}}
        Literal: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /items/special/take, Method: POST}}
        Boom: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /boom, Method: ANY}}
        Crash: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /crash, Method: GET}}
        Respond: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /respond, Method: POST}}
        Together: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /together, Method: GET}}
        Anything: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/hooks/{slug}", Method: ANY}}
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"
"""


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "app.py").write_text(ECHO)
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    return Gateway(tmp_path / "template.yaml")


@pytest.fixture
def base_url(gateway: Gateway) -> Iterator[str]:
    url, stop = gateway.start_background(port=0, workers=2)
    yield url
    stop()


def echoed(body: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(body)["event"]
    return event


def test_routes_come_from_the_template_short_tags_and_all(gateway: Gateway) -> None:
    assert {(r.method, r.path, r.function_id) for r in gateway.routes} == {
        ("POST", "/items/{item_id}/take", "EchoFunction"),
        ("POST", "/items/special/take", "EchoFunction"),
        ("ANY", "/boom", "EchoFunction"),
        ("GET", "/crash", "EchoFunction"),
        ("POST", "/respond", "EchoFunction"),
        ("GET", "/together", "EchoFunction"),
        ("ANY", "/hooks/{slug}", "EchoFunction"),
    }
    assert all(r.module_file == gateway.template.parent / "echo" / "app.py" for r in gateway.routes)


def test_builds_the_payload_2_0_event(gateway: Gateway) -> None:
    status, headers, body = gateway.invoke(
        "POST",
        "/items/42/take",
        [("X-Session-Token", "t"), ("Accept", "a/b"), ("accept", "c/d"), ("Cookie", "a=1; b=2")],
        b'{"a": 1}',
        "limit=5&tag=a&tag=b&empty=",
        "10.0.0.9",
    )
    event = echoed(body)
    assert (status, headers["x-echo"]) == (201, "yes")
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /items/{item_id}/take"
    assert event["rawPath"] == "/items/42/take"
    assert event["pathParameters"] == {"item_id": "42"}
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b", "empty": ""}
    assert event["headers"] == {"x-session-token": "t", "accept": "a/b,c/d"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/items/42/take",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.9",
        "userAgent": "",
    }
    assert (context["accountId"], context["apiId"], context["stage"]) == ("123456789012", "local", "$default")
    assert uuid.UUID(context["requestId"]) and isinstance(context["timeEpoch"], int)
    assert json.loads(body)["fn"] == "EchoFunction" and 0 < json.loads(body)["ms_left"] <= 7000


def test_optional_fields_are_left_out_and_binary_bodies_are_base64(gateway: Gateway) -> None:
    event = echoed(gateway.invoke("POST", "/items/special/take", {}, b"\xff\x00")[2])
    assert event["routeKey"] == "POST /items/special/take"  # the literal route, not /items/{item_id}/take
    assert not {"pathParameters", "queryStringParameters", "cookies"} & event.keys()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\x00"
    assert "body" not in build_event("GET", "/x")


def test_any_matches_every_method(gateway: Gateway) -> None:
    event = echoed(gateway.invoke("patch", "/hooks/acme", {}, b"")[2])
    assert event["routeKey"] == "ANY /hooks/{slug}" and event["requestContext"]["http"]["method"] == "PATCH"
    assert event["pathParameters"] == {"slug": "acme"}


def test_unknown_route_is_404_and_a_crash_is_the_500_envelope(gateway: Gateway) -> None:
    for method, path, status, code in [
        ("GET", "/nowhere", 404, "not_found"),
        ("DELETE", "/items/1/take", 405, "method_not_allowed"),
        ("POST", "/items/1/take/more", 404, "not_found"),
    ]:
        got_status, headers, body = gateway.invoke(method, path, {}, b"")
        assert (got_status, json.loads(body)["error"]["code"]) == (status, code)
        assert headers.get("allow") == ("POST" if status == 405 else None)  # as the $default function says
    status, _, body = gateway.invoke("GET", "/boom", {}, b"")
    assert status == 500
    assert json.loads(body) == {
        "success": False,
        "error": {"code": "internal_error", "message": "Internal server error"},
    }


@pytest.mark.parametrize(
    ("result", "status", "body", "content_type"),
    [
        ({"statusCode": 204}, 204, b"", "application/json"),
        ({"statusCode": 200, "body": "aGk=", "isBase64Encoded": True}, 200, b"hi", "application/json"),
        ({"statusCode": 200, "headers": {"Content-Type": "text/css"}, "body": "x"}, 200, b"x", "text/css"),
        ({"ok": True}, 200, b'{"ok": true}', "application/json"),
        ("plain", 200, b"plain", "application/json"),
    ],
)
def test_results_are_translated_like_api_gateway(
    gateway: Gateway, result: Any, status: int, body: bytes, content_type: str
) -> None:
    got_status, headers, got_body = gateway.invoke("POST", "/respond", {}, json.dumps(result).encode())
    assert (got_status, got_body, headers["content-type"]) == (status, body, content_type)
    assert headers["content-length"] == str(len(body))


@pytest.mark.parametrize(
    "header",
    [
        {"X-Note": "ok\r\nSet-Cookie: session=stolen"},
        {"X-Note": "line\nbreak"},
        {"X-Note": "Привет"},
        {"X-Bad\r\nName": "v"},
    ],
)
def test_a_header_value_that_would_split_or_garble_the_response_is_a_500(
    gateway: Gateway, header: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = {"statusCode": 200, "headers": header, "body": "{}"}
    status, headers, body = gateway.invoke("POST", "/respond", {}, json.dumps(result).encode())
    assert (status, json.loads(body)["error"]["code"]) == (500, "internal_error")
    assert not set(header) & set(headers.keys()) and "set-cookie" not in headers
    assert "a response header holds CR, LF or non-ASCII" in capsys.readouterr().err


def test_over_http_a_split_header_never_reaches_the_client(base_url: str) -> None:
    result = {"statusCode": 200, "headers": {"X-Note": "ok\r\nSet-Cookie: session=stolen"}, "body": "{}"}
    reply = httpx.post(f"{base_url}/respond", content=json.dumps(result))
    assert reply.status_code == 500 and "set-cookie" not in reply.headers and "x-note" not in reply.headers


def test_over_http_source_ip_is_the_peer_never_x_forwarded_for(base_url: str) -> None:
    reply = httpx.post(
        f"{base_url}/items/7/take?q=1",
        headers=[("X-Forwarded-For", "1.2.3.4"), ("X-Multi", "a"), ("X-Multi", "b")],
        content=b"{}",
    )
    event = reply.json()["event"]
    assert (reply.status_code, reply.headers["x-echo"]) == (201, "yes")
    assert reply.headers["content-length"] == str(len(reply.content))
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-for"] == "1.2.3.4"
    assert event["headers"]["x-multi"] == "a,b"
    assert event["rawQueryString"] == "q=1" and event["pathParameters"] == {"item_id": "7"}
    assert event["requestContext"]["domainName"] == base_url.removeprefix("http://")


def test_over_http_cookies_404_and_500(base_url: str) -> None:
    result = {"statusCode": 302, "headers": {"location": "/x"}, "cookies": ["a=1; Path=/", "b=2"]}
    reply = httpx.post(f"{base_url}/respond", json=result)
    assert (reply.status_code, reply.headers["location"]) == (302, "/x")
    assert reply.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    missing = httpx.get(f"{base_url}/nowhere")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    crashed = httpx.put(f"{base_url}/boom")
    assert (crashed.status_code, crashed.json()["error"]["code"]) == (500, "internal_error")


def test_each_worker_is_its_own_container_and_they_run_in_parallel(base_url: str) -> None:
    replies: list[httpx.Response] = []

    def call() -> None:
        replies.append(httpx.get(f"{base_url}/together", timeout=10))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in replies] == [201, 201]  # both were inside the handler together
    assert len({r.json()["pid"] for r in replies}) == 2  # two processes, like two Lambda containers
    assert os.getpid() not in {r.json()["pid"] for r in replies}  # neither is the gateway's own


def test_a_warm_worker_keeps_its_module_like_a_warm_container(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        first, second = (http.post("/items/1/take").json() for _ in range(2))
    assert (first["pid"], first["module"]) == (second["pid"], second["module"])


def test_a_worker_that_dies_is_a_502_envelope_and_the_gateway_goes_on(base_url: str) -> None:
    crashed = httpx.get(f"{base_url}/crash", timeout=10)
    assert crashed.status_code == 502
    assert crashed.json() == {
        "success": False,
        "error": {"code": "internal_error", "message": "The function stopped unexpectedly."},
    }
    # the next requests get a new worker (both at once: the pool is back to its full size)
    replies: list[int] = []
    threads = [
        threading.Thread(target=lambda: replies.append(httpx.get(f"{base_url}/together", timeout=10).status_code))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert replies == [201, 201]


def test_a_worker_that_died_while_idle_is_replaced_and_the_request_goes_on(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        pid = http.post("/items/1/take").json()["pid"]
        os.kill(pid, signal.SIGKILL)  # the warmest idle worker: the next request would go to it
        deadline = time.monotonic() + 10  # a bound for the assertion, not a timing measurement
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        reply = http.post("/items/1/take")
    assert reply.status_code == 201
    assert reply.json()["pid"] != pid


def test_workers_start_with_the_gateways_current_environment(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert httpx.post(f"{base_url}/items/1/take").json()["setting"] is None
    # a configuration change gives the function fresh workers, as in Lambda
    monkeypatch.setenv("ECHO_SETTING", "changed")
    assert httpx.post(f"{base_url}/items/1/take").json()["setting"] == "changed"


def test_stopping_the_gateway_ends_its_workers(gateway: Gateway) -> None:
    url, stop = gateway.start_background(port=0, workers=2)
    pid = httpx.post(f"{url}/items/1/take").json()["pid"]
    stop()
    deadline = time.monotonic() + 10  # a bound for the assertion, not a timing measurement
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(pid)
    # and a request that still reaches it is refused
    status, _, body = gateway.invoke("POST", "/items/1/take", pool=_closed_pool())
    assert (status, json.loads(body)["error"]["code"]) == (503, "service_unavailable")


def _closed_pool() -> WorkerPool:
    pool = WorkerPool(1)
    pool.close()
    return pool


def _running(pid: int) -> bool:
    """Alive and not a zombie; a process reaped while we look is not running."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def test_a_failing_functions_traceback_is_printed_by_the_gateway(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert httpx.get(f"{base_url}/boom").status_code == 500
    err = capsys.readouterr().err
    assert "EchoFunction failed on GET /boom:" in err and "RuntimeError: boom" in err


def test_a_client_that_hangs_up_mid_answer_is_one_line_and_the_gateway_goes_on(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # An answer larger than the sockets' buffers: the gateway is still writing it when the client resets.
    body = json.dumps({"statusCode": 200, "body": "x" * (16 * 1024 * 1024)}).encode()
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(b"POST /respond HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert client.recv(1) == b"H"  # the answer has begun
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
    err = ""
    deadline = time.monotonic() + 10
    while "hung up" not in err and time.monotonic() < deadline:
        time.sleep(0.05)
        err += capsys.readouterr().err
    assert "POST /respond 200: the client hung up before the answer was sent" in err
    assert httpx.get(f"{base_url}/items/special/take").status_code == 405  # still serving
    err += capsys.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err


def test_every_module_the_worker_processes_preload_exists() -> None:
    # the forkserver skips a preload it cannot import without a word: a renamed module would only be slower
    from devtools import workers

    assert all(importlib.util.find_spec(name) is not None for name in workers.PRELOAD)
