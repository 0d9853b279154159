"""The local gateway builds API Gateway's payload 2.0 events and answers like API Gateway."""

from __future__ import annotations

import json
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from devtools.gateway import Gateway

ECHO = """
import builtins, json, threading

# One barrier for every copy of this module (each gateway worker loads its own copy).
barrier = builtins.__dict__.setdefault("_echo_barrier", threading.Barrier(2, timeout=5))
ME = object()

def lambda_handler(event, context):
    if event["rawPath"] == "/boom":
        raise RuntimeError("boom")
    if event["rawPath"] == "/together":
        barrier.wait()  # two requests are inside the handler at the same time, or this times out
    return {"statusCode": 201, "headers": {"x-echo": "yes"},
            "body": json.dumps({"event": event, "module": id(ME), "fn": context.function_name})}
"""


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "app.py").write_text(ECHO)
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Handler: app.lambda_handler
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
          EchoFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: echo/
              Events:
                Item:
                  Type: HttpApi
                  Properties: {ApiId: !Ref Api, Path: "/items/{item_id}/take", Method: POST}
                Literal:
                  Type: HttpApi
                  Properties: {ApiId: !Ref Api, Path: /items/special/take, Method: POST}
                Anything:
                  Type: HttpApi
                  Properties: {ApiId: !Ref Api, Path: /boom, Method: ANY}
                Together:
                  Type: HttpApi
                  Properties: {ApiId: !Ref Api, Path: /together, Method: GET}
    """)
    )
    return Gateway(tmp_path / "template.yaml")


def test_builds_the_payload_2_0_event(gateway: Gateway) -> None:
    status, headers, body = gateway.invoke(
        "POST",
        "/items/42/take",
        {"X-Session-Token": "t", "Content-Type": "application/json"},
        b'{"a": 1}',
        "limit=5&tag=a&tag=b",
        "127.0.0.1",
    )
    event = json.loads(body)["event"]
    assert (status, headers["x-echo"]) == (201, "yes")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /items/{item_id}/take"
    assert event["pathParameters"] == {"item_id": "42"}
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b"
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b"}
    assert event["headers"]["x-session-token"] == "t"
    assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"] == {
        "method": "POST",
        "path": "/items/42/take",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }


def test_a_literal_route_wins_over_a_parameterised_one(gateway: Gateway) -> None:
    event = json.loads(gateway.invoke("POST", "/items/special/take", {}, b"")[2])["event"]
    assert event["routeKey"] == "POST /items/special/take" and "pathParameters" not in event


def test_unknown_route_and_crashing_handler(gateway: Gateway) -> None:
    assert gateway.invoke("GET", "/nowhere", {}, b"")[0] == 404
    assert gateway.invoke("DELETE", "/items/1/take", {}, b"")[0] == 404
    status, _, body = gateway.invoke("PATCH", "/boom", {}, b"")  # ANY matches every method
    assert status == 500 and json.loads(body)["error"]["code"] == "internal_error"


def test_over_http_the_source_ip_is_the_peer_never_x_forwarded_for(gateway: Gateway) -> None:
    base_url, stop = gateway.start_background(port=0, workers=2)
    try:
        reply = httpx.post(f"{base_url}/items/7/take", headers={"X-Forwarded-For": "1.2.3.4"}, content=b"{}")
        event = reply.json()["event"]
        assert reply.status_code == 201 and reply.headers["x-echo"] == "yes"
        assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
        assert event["headers"]["x-forwarded-for"] == "1.2.3.4"
    finally:
        stop()


def test_each_worker_is_its_own_container_and_they_run_in_parallel(gateway: Gateway) -> None:
    base_url, stop = gateway.start_background(port=0, workers=2)
    replies: list[httpx.Response] = []
    try:
        threads = [
            threading.Thread(target=lambda: replies.append(httpx.get(f"{base_url}/together", timeout=10)))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop()
    assert [r.status_code for r in replies] == [201, 201]
    assert len({r.json()["module"] for r in replies}) == 2  # two module instances, like two Lambda containers
