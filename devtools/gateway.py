"""The local gateway: serves every HttpApi route of template.yaml the way API Gateway does, for
`make run` and the HTTP tests (`sam local start-api` needs Docker, which is not always there).

For each request it builds the HTTP API payload 2.0 event AWS would send and calls the function's
``lambda_handler`` in-process. Like Lambda, each worker thread is its own "container": it loads
its own copy of every function module and serves one request at a time.

    python -m devtools.gateway [--template template.yaml] [--host 127.0.0.1] [--port 3000]
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import queue
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
INTERNAL_ERROR = b'{"success": false, "error": {"code": "internal_error", "message": "Internal server error"}}'


class _CfnLoader(yaml.SafeLoader):
    """Accepts CloudFormation's short tags (!Ref, !Sub...) without interpreting them."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function_id: str
    module_file: Path
    handler: str
    pattern: re.Pattern[str]

    @property
    def literal(self) -> bool:
        return "{" not in self.path


def load_routes(template: Path) -> list[Route]:
    doc = yaml.load(template.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    default_handler = ((doc.get("Globals") or {}).get("Function") or {}).get("Handler", "app.lambda_handler")
    routes = []
    for logical_id, resource in (doc.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        handler = props.get("Handler") or default_handler
        module_file = template.parent / props["CodeUri"] / (handler.rsplit(".", 1)[0] + ".py")
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            path, method = event["Properties"]["Path"], event["Properties"].get("Method", "ANY").upper()
            regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$"
            routes.append(Route(method, path, logical_id, module_file, handler, re.compile(regex)))
    routes.sort(key=lambda r: (not r.literal, r.path))
    return routes


def build_event(
    route: Route | None,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    query: str,
    source_ip: str,
    path_parameters: dict[str, str] | None = None,
    domain: str = "127.0.0.1",
) -> dict[str, Any]:
    """The API Gateway HTTP API (payload format 2.0) event for one request."""
    lowered: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers.items():
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    route_key = f"{method} {route.path}" if route else "$default"
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


class LambdaContext:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:local:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


Result = tuple[int, dict[str, str], bytes]


def _translate(result: Any) -> Result:
    """A handler's return value as API Gateway turns it into an HTTP response (payload 2.0)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, {"content-type": "application/json"}, body.encode()
    headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name] = ",".join(str(v) for v in values)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    for i, cookie in enumerate(result.get("cookies") or []):
        headers[f"set-cookie{'' if i == 0 else ' ' * i}"] = cookie
    return int(result["statusCode"]), headers, body


class Gateway:
    def __init__(self, template: Path = ROOT / "template.yaml") -> None:
        self.template = Path(template).resolve()
        self.routes = load_routes(self.template)
        self._containers = threading.local()
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def _function(self, route: Route) -> Callable[[dict[str, Any], Any], Any]:
        """The route's handler in this thread's own 'container' (loaded once per thread)."""
        modules: dict[str, ModuleType] = self._containers.__dict__.setdefault("modules", {})
        if route.function_id not in modules:
            name = f"lambda_fn_{route.function_id}_{threading.get_ident()}"
            spec = importlib.util.spec_from_file_location(name, route.module_file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules[route.function_id] = module
        handler: Callable[[dict[str, Any], Any], Any] = getattr(
            modules[route.function_id], route.handler.rsplit(".", 1)[1]
        )
        return handler

    def invoke(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        query: str = "",
        source_ip: str = "127.0.0.1",
    ) -> Result:
        """One request, in this thread, without HTTP."""
        method = method.upper()
        matched = self.match(method, path)
        if matched is None:
            return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        route, params = matched
        event = build_event(route, method, path, headers, body, query, source_ip, params or None)
        try:
            return _translate(self._function(route)(event, LambdaContext(route.function_id)))
        except Exception:  # the function crashed: API Gateway answers 500, the log shows why
            traceback.print_exc()
            return 500, {"content-type": "application/json"}, INTERNAL_ERROR

    def _server(self, host: str, port: int, workers: int) -> ThreadingHTTPServer:
        gateway = self
        jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                started = time.monotonic()
                url = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                done = threading.Event()
                result: list[Result] = []

                def job() -> None:
                    try:
                        result.append(
                            gateway.invoke(
                                self.command,
                                url.path,
                                dict(self.headers.items()),
                                body,
                                url.query,
                                self.client_address[0],
                            )
                        )
                    finally:
                        done.set()

                jobs.put(job)
                done.wait()
                status, headers, out = result[0] if result else (500, {}, INTERNAL_ERROR)
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name.strip(), value)
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
                elapsed = (time.monotonic() - started) * 1000
                sys.stderr.write(f"{self.command} {url.path} {status} {elapsed:.1f}ms\n")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one access line per request is written by _serve, without headers or bodies

        def worker() -> None:
            while (job := jobs.get()) is not None:
                job()

        for _ in range(workers):
            threading.Thread(target=worker, daemon=True).start()
        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        server.stop_workers = lambda: [jobs.put(None) for _ in range(workers)]  # type: ignore[attr-defined]
        return server

    def serve(self, host: str = "127.0.0.1", port: int = 3000, workers: int = 8) -> None:
        server = self._server(host, port, workers)
        for route in self.routes:
            print(f"  {route.method:<6} http://{host}:{port}{route.path}  -> {route.function_id}")
        print(f"serving on http://{host}:{port} (Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def start_background(
        self, host: str = "127.0.0.1", port: int = 0, workers: int = 8
    ) -> tuple[str, Callable[[], None]]:
        """Serve in a background thread; returns the base URL and a function that stops it."""
        server = self._server(host, port, workers)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            server.stop_workers()  # type: ignore[attr-defined]

        return f"http://{host}:{server.server_address[1]}", stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    Gateway(args.template).serve(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
