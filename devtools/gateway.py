"""The local gateway: serves every HttpApi route of template.yaml the way API Gateway does, for
`make run` and the HTTP tests (`sam local start-api` needs Docker, which is not always there).

For each request it builds the HTTP API payload 2.0 event AWS would send and runs the function's
handler the way Lambda does: in one of N worker processes (devtools/workers.py), each a "container"
that loads a function's module on first use and runs one invocation at a time. So nothing in the
functions has to be safe for two requests at once in one process, exactly as in AWS.
``Gateway.invoke`` without a pool runs the handler in the calling process (sequential tests, bench).

    python -m devtools.gateway [--template template.yaml] [--host 127.0.0.1] [--port 3000] [--workers N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit
from wsgiref.headers import Headers

import yaml

from devtools import docs_site, media_server
from devtools.lambda_context import LambdaContext, request_id
from devtools.workers import FunctionFailed, Invocation, PoolClosed, WorkerDied, WorkerPool, default_size, load_handler
from shared.http.fallback import answer as unrouted
from shared.http.fallback import route_pattern

ROOT = Path(__file__).resolve().parent.parent
INTERNAL_ERROR = json.dumps(
    {"success": False, "error": {"code": "internal_error", "message": "Internal server error"}}
).encode()
WORKER_DIED = json.dumps(
    {"success": False, "error": {"code": "internal_error", "message": "The function stopped unexpectedly."}}
).encode()
DEFAULT_ROUTE = "$default"
SHUTTING_DOWN = json.dumps(
    {"success": False, "error": {"code": "service_unavailable", "message": "The gateway is stopping."}}
).encode()
HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"}

Handler = Callable[[dict[str, Any], Any], Any]
RequestHeaders = Mapping[str, str] | Iterable[tuple[str, str]]
Response = tuple[int, Headers, bytes]


class Route(NamedTuple):
    method: str
    path: str
    function_id: str
    module_file: Path


class Function(NamedTuple):
    handler: str
    timeout_s: float


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """Accepts CloudFormation's short tags (!Ref, !Sub, !GetAtt...) without interpreting them."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def load_template(template: Path) -> dict[str, Any]:
    doc = yaml.load(template.read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    return doc if isinstance(doc, dict) else {}


@cache
def template_environment(template: Path, function: str | None = None) -> dict[str, str]:
    """The environment the template gives the function whose code is ``functions/<function>``
    (``None``: what every function gets, its ``Globals``): literal values only, as a stack
    parameter's (``!Ref``...) is not known outside the stack."""
    doc = load_template(template)
    blocks = [(doc.get("Globals") or {}).get("Function") or {}]
    for resource in (doc.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        if function and str(props.get("CodeUri", "")).rstrip("/") == f"functions/{function}":
            blocks.append(props)
    return {
        name: str(value).lower() if isinstance(value, bool) else str(value)
        for block in blocks
        for name, value in ((block.get("Environment") or {}).get("Variables") or {}).items()
        if isinstance(value, str | int | float)
    }


def load_routes(template: Path) -> tuple[list[Route], dict[str, Function]]:
    """The template's HttpApi routes, and the handler and timeout of each function they call."""
    doc = load_template(template)
    defaults = (doc.get("Globals") or {}).get("Function") or {}
    routes: list[Route] = []
    functions: dict[str, Function] = {}
    for function_id, resource in (doc.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::Serverless::Function" or not isinstance(props.get("CodeUri"), str):
            continue
        handler = props.get("Handler") or defaults.get("Handler") or "app.lambda_handler"
        timeout = props.get("Timeout") or defaults.get("Timeout")
        module, _, _ = handler.rpartition(".")
        module_file = template.parent / props["CodeUri"] / (module.replace(".", "/") + ".py")
        for event in (props.get("Events") or {}).values():
            spec = event.get("Properties") or {}
            if event.get("Type") == "HttpApi" and "Path" in spec:
                method = str(spec.get("Method") or "ANY").upper()
                routes.append(Route(method, spec["Path"], function_id, module_file))
                functions[function_id] = Function(handler, timeout if isinstance(timeout, int | float) else 3)
    return routes, functions


def _specificity(route: Route) -> tuple[bool, int, bool]:
    """Sort key: literal paths before parameterised ones, greedy ({proxy+}) last, ANY after a method."""
    return "+}" in route.path, route.path.count("{"), route.method == "ANY"


def _join(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def build_event(
    method: str,
    path: str,
    headers: RequestHeaders = (),
    body: bytes = b"",
    query: str = "",
    source_ip: str = "127.0.0.1",
    *,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    domain: str = "127.0.0.1:3000",
) -> dict[str, Any]:
    """The API Gateway HTTP API (payload format 2.0) event for one request.

    ``route_key`` is the matched route as declared, e.g. ``"POST /items/{id}"`` (default: method and path).
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    lowered = [(name.lower(), value) for name, value in pairs]
    header_map = _join(lowered)
    cookies = header_map.pop("cookie", None)
    route_key = route_key or f"{method} {path}"
    now = time.time()
    event: dict[str, Any] = {"version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": query}
    if cookies:  # API Gateway passes them apart, one item per cookie
        event["cookies"] = [c.strip() for n, v in lowered if n == "cookie" for c in v.split(";") if c.strip()]
    event["headers"] = header_map
    if query and (params := _join(parse_qsl(query, keep_blank_values=True))):
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": header_map.get("user-agent", ""),
        },
        "requestId": request_id(),
        "routeKey": route_key,
        "stage": "$default",
        "time": _request_time(int(now)),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = False
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def _request_time(second: int) -> str:
    """API Gateway's requestContext.time."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))


def translate(result: Any) -> Response:
    """A handler's return value as API Gateway turns it into an HTTP response (payload 2.0)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, Headers([("content-type", "application/json")]), body.encode()
    headers = Headers([(str(k), str(v)) for k, v in (result.get("headers") or {}).items()])
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name not in headers:
            headers[name] = ",".join(str(v) for v in values)
    for cookie in result.get("cookies") or []:
        headers.add_header("set-cookie", str(cookie))
    if "content-type" not in headers:
        headers["content-type"] = "application/json"
    text = "" if result.get("body") is None else str(result["body"])
    encoded = result.get("isBase64Encoded") in (True, "true", "True")
    return int(result["statusCode"]), headers, base64.b64decode(text) if encoded else text.encode()


def _writable(name: str, value: str) -> bool:
    """A header line that cannot be split or garbled: printable ASCII only (tabs allowed in values)."""
    return all(" " < c < "\x7f" for c in name) and all(c == "\t" or " " <= c < "\x7f" for c in value)


def _error(status: int, body: bytes) -> Response:
    return status, Headers([("content-type", "application/json")]), body


class Gateway:
    """The routes of one SAM template, invoked like API Gateway invokes Lambda."""

    def __init__(self, template: Path = ROOT / "template.yaml", domain: str = "127.0.0.1:3000") -> None:
        self.template = Path(template).resolve()
        routes, self.functions = load_routes(self.template)
        # API Gateway sends what no route matches to the $default route (404 / 405 in the envelope)
        self.default_route = next((r for r in routes if r.path == DEFAULT_ROUTE), None)
        self.routes = sorted((r for r in routes if r.path != DEFAULT_ROUTE), key=_specificity)
        self.domain = domain
        self._modules: dict[str, ModuleType] = {}  # in-process invocations (no pool)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The most specific route for a request, and its path parameters."""
        for route in self.routes:
            if route.method in (method, "ANY"):
                found = route_pattern(route.path).match(path)
                if found:
                    return route, found.groupdict()
        return None

    def _handler(self, route: Route) -> Handler:
        """The route's handler in this process (loaded on first use), for in-process invocations."""
        return load_handler(
            route.function_id, route.module_file, self.functions[route.function_id].handler, self._modules
        )

    def _run(self, route: Route, event: dict[str, Any], pool: WorkerPool | None) -> Any:
        function = self.functions[route.function_id]
        if pool is None:
            return self._handler(route)(event, LambdaContext(route.function_id, function.timeout_s))
        return pool.invoke(
            Invocation(route.function_id, str(route.module_file), function.handler, function.timeout_s, event)
        )

    def invoke(
        self,
        method: str,
        path: str,
        headers: RequestHeaders = (),
        body: bytes = b"",
        query: str = "",
        source_ip: str = "127.0.0.1",
        domain: str | None = None,
        pool: WorkerPool | None = None,
    ) -> Response:
        """One request without HTTP: (status, headers, body). The handler runs in a worker of ``pool``,
        or without one in this process (one invocation at a time, like a Lambda container)."""
        method = method.upper()
        documentation = docs_site.respond(method, path, headers, domain or self.domain)
        if documentation is not None:  # /docs, /openapi.json and / (local only)
            return documentation
        matched = self.match(method, path)
        if media_server.handles(path):  # the local media store's signed URLs (S3's part in AWS)
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            status, out_headers, out = media_server.serve(method, path, query, dict(pairs), body)
        elif matched is None and self.default_route is None:  # no $default function: what it would answer
            event = build_event(method, path, headers, body, query, source_ip, route_key=DEFAULT_ROUTE)
            status, out_headers, out = translate(unrouted(event, [(r.method, r.path) for r in self.routes]))
        else:
            route, params = matched or (self.default_route, {})
            assert route is not None
            event = build_event(
                method,
                path,
                headers,
                body,
                query,
                source_ip,
                route_key=DEFAULT_ROUTE if route.path == DEFAULT_ROUTE else f"{route.method} {route.path}",
                path_parameters=params,
                domain=domain or self.domain,
            )
            try:
                status, out_headers, out = translate(self._run(route, event, pool))
            except WorkerDied:  # API Gateway answers 502 when the function crashes
                print(f"{route.function_id}: the worker died on {method} {path}", file=sys.stderr)
                status, out_headers, out = _error(502, WORKER_DIED)
            except PoolClosed:
                status, out_headers, out = _error(503, SHUTTING_DOWN)
                out_headers["retry-after"] = "1"
            except Exception as exc:
                print(f"{route.function_id} failed on {method} {path}:", file=sys.stderr)
                if isinstance(exc, FunctionFailed):  # the traceback comes from the worker process
                    sys.stderr.write(str(exc))
                else:
                    traceback.print_exc()
                status, out_headers, out = _error(500, INTERNAL_ERROR)
        if unwritable := [name for name, value in out_headers.items() if not _writable(name, value)]:
            # API Gateway refuses such a response (500) rather than split it into two headers
            print(f"{method} {path}: a response header holds CR, LF or non-ASCII: {unwritable}", file=sys.stderr)
            status, out_headers, out = _error(500, INTERNAL_ERROR)
        del out_headers["content-length"]
        out_headers["content-length"] = str(len(out))
        return status, out_headers, out

    def _server(self, host: str, port: int, workers: int | None) -> _Server:
        server = _Server((host, port), _RequestHandler)
        server.gateway = self
        server.pool = WorkerPool(workers)
        server.domain = f"{host}:{server.server_address[1]}"
        return server

    def serve(self, host: str = "127.0.0.1", port: int = 3000, workers: int | None = None) -> None:
        """Serve until Ctrl-C."""
        server = self._server(host, port, workers)
        for route in self.routes:
            print(f"  {route.method:<6} http://{server.domain}{route.path}  -> {route.function_id}")
        print(
            f"serving on http://{server.domain} with up to {server.pool.size} worker processes (Ctrl-C stops)",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.release()

    def start_background(
        self, host: str = "127.0.0.1", port: int = 0, workers: int | None = None, access_log: bool = True
    ) -> tuple[str, Callable[[], None]]:
        """Serve from a background thread; returns the base URL and a function that stops serving."""
        server = self._server(host, port, workers)
        server.access_log = access_log
        threading.Thread(target=server.serve_forever, args=(0.05,), name="gateway", daemon=True).start()
        return f"http://{server.domain}", server.close


class _Server(ThreadingHTTPServer):
    """Reads each connection in its own thread; the function runs in a worker process of the pool."""

    daemon_threads = True
    access_log = True  # one line per request on stderr
    request_queue_size = 128  # the listen backlog: a burst of connections waits instead of being reset
    gateway: Gateway
    pool: WorkerPool
    domain: str

    def release(self) -> None:
        """Close the socket and end the workers (once ``serve_forever`` has returned)."""
        self.server_close()
        self.pool.close()

    def close(self) -> None:
        """Stop ``serve_forever`` running in another thread, then release."""
        self.shutdown()
        self.release()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY each keep-alive response
    # waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "local-gateway"

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass
            return b"".join(chunks)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        try:
            body = self._body()
        except ValueError:
            self.send_error(400)
            return
        server = self.server
        status, headers, out = server.gateway.invoke(
            *(self.command, url.path, list(self.headers.items()), body, url.query),
            source_ip=self.client_address[0],
            domain=server.domain,
            pool=server.pool,
        )
        try:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError):
            # the client went away mid-answer (a closed tab, a timed-out fuzzer): one line, no traceback
            self.close_connection = True
            sys.stderr.write(f"{self.command} {url.path} {status}: the client hung up before the answer was sent\n")
            return
        elapsed_ms = (time.monotonic() - started) * 1000
        if server.access_log:
            sys.stderr.write(f"{self.command} {url.path} {status} {elapsed_ms:.0f}ms\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, PROPFIND...) goes through the routes too: 405 / 404 in the envelope."""
        if name.startswith("do_") and name[3:].isalpha():
            return self._serve
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the HTTP layer itself finds (a malformed request line...) in the envelope, not HTML."""
        body = json.dumps({"success": False, "error": {"code": "invalid_request", "message": "Malformed request."}})
        out = body.encode()
        self.close_connection = True
        self.request_version = "HTTP/1.1"  # a request line too broken to say: answer with a status line
        self.send_response(code, message)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("connection", "close")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(out)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: _serve writes one access line per request, never headers or bodies."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    parser.add_argument("--workers", type=int, default=default_size(), help="worker processes (GATEWAY_WORKERS)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does: the workers end too
    Gateway(args.template).serve(args.host, args.port, args.workers)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
