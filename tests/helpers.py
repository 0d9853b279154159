"""Test helpers: a client that calls the API as the Android app does, data factories over a real
PostgreSQL, a LambdaContext stand-in, and the repository's commands run as separate processes."""

from __future__ import annotations

import itertools
import json
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import httpx
import psycopg
from psycopg.rows import dict_row

from devtools import datafactory
from devtools.lambda_context import LambdaContext as LambdaContext  # one stand-in, re-exported
from shared.core import settings

ROOT = Path(__file__).resolve().parent.parent
_client_numbers = itertools.count(1)


def run_command(
    argv: list[str], env: Mapping[str, str], *, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``argv`` run at the repository's root with ``env`` as its whole environment: its exit code
    and output as text (a failure is an answer to check, not an exception)."""
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=dict(env), cwd=ROOT, timeout=timeout, check=False
    )


def run_module(module: str, *args: str, env: Mapping[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``python -m module args`` as a person at a terminal runs it (see ``run_command``), with the
    repository importable."""
    return run_command([sys.executable, "-m", module, *args], {**env, "PYTHONPATH": str(ROOT)}, stdin=stdin)


def new_client_ip() -> str:
    """A distinct source address per test client (198.18.0.0/15 is for benchmarks and tests), so
    that login throttling by IP counts each test's attempts on their own."""
    n = next(_client_numbers)
    return f"198.18.{n // 250 % 250}.{n % 250 + 1}"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code"))
        return None


def _decoded(body: str | bytes | None) -> Any:
    """A JSON body as its value; a plain text one (VK's ``ok``) as its text."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode() if isinstance(body, bytes) else body


Sender = Callable[[str, str, dict[str, str], bytes, str, str], Reply]


class Api:
    """Requests as the app sends them; ``token`` goes in ``Authorization: Bearer``."""

    def __init__(self, send: Sender, close: Callable[[], None] = lambda: None) -> None:
        self._send = send
        self.close = close
        self.source_ip = new_client_ip()  # over HTTP the gateway sees 127.0.0.1 whatever this says

    @classmethod
    def in_process(cls, gateway: Any, on_function: Callable[[str], None] = lambda _: None) -> Api:
        """``on_function`` is told which function of template.yaml each request goes to."""

        def send(method: str, path: str, headers: dict[str, str], body: bytes, query: str, ip: str) -> Reply:
            matched = gateway.match(method.upper(), path)
            on_function(matched[0].function_id if matched else "")
            status, out_headers, out_body = gateway.invoke(method, path, headers, body, query, ip)
            return Reply(status, _decoded(out_body), {k.lower(): v for k, v in out_headers.items()})

        return cls(send)

    @classmethod
    def over_http(cls, base_url: str) -> Api:
        client = httpx.Client(base_url=base_url, timeout=30)

        def send(method: str, path: str, headers: dict[str, str], body: bytes, query: str, ip: str) -> Reply:
            url = f"{path}?{query}" if query else path
            response = client.request(method, url, headers=headers, content=body)
            return Reply(response.status_code, _decoded(response.content), dict(response.headers))

        return cls(send, client.close)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        source_ip: str | None = None,
    ) -> Reply:
        all_headers = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        body = raw_body if raw_body is not None else (json.dumps(json_body).encode() if json_body is not None else b"")
        return self._send(method, path, all_headers, body, urlencode(query or {}), source_ip or self.source_ip)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)

    def login(self, operator: Operator, device: str = "mobile", **body: Any) -> str:
        path = "/webhook/android/auth/login" if device == "mobile" else "/webhook/desktop/auth/login"
        reply = self.post(path, {"login": operator.login, "password": operator.password, **body})
        assert reply.status == 200, reply.body
        return str(reply.body["session_token"])


@dataclass(frozen=True)
class Tenant:
    id: UUID
    slug: str
    webhook_secret: str


@dataclass(frozen=True)
class Operator:
    id: UUID
    tenant_id: UUID
    login: str
    password: str
    name: str


class Factory:
    """Creates rows in the test database. Every test makes its own tenants, so tests never see
    each other's data; the whole database is dropped at the end of the session."""

    def __init__(self, url: str) -> None:
        # behind a transaction pooler (DATABASE_POOLER=true) server-side prepared statements break
        prepare = None if settings.get_settings().database_pooler else 5
        self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, prepare_threshold=prepare)

    def close(self) -> None:
        self.conn.close()

    def tenant(self, *, slug: str | None = None, phone_region: str = "RU") -> Tenant:
        slug = slug or f"t-{secrets.token_hex(4)}"
        secret = f"hook-{secrets.token_hex(8)}"
        tenant_id = datafactory.tenant(self.conn, slug=slug, phone_region=phone_region, webhook_secret=secret)
        return Tenant(tenant_id, slug, secret)

    def operator(
        self,
        tenant: Tenant | None = None,
        *,
        login: str | None = None,
        password: str = "correct-horse-battery",
        name: str = "Test Operator",
        is_active: bool = True,
        password_hash: str | None = None,
    ) -> Operator:
        tenant = tenant or self.tenant()
        login = login or f"op-{secrets.token_hex(4)}@shop.test"
        operator_id = datafactory.operator(
            self.conn,
            tenant.id,
            login=login,
            name=name,
            password=password,
            password_hash=password_hash,
            is_active=is_active,
        )
        return Operator(operator_id, tenant.id, login, password, name)

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return self.conn.execute(sql, _args(params)).fetchall()

    def one(self, sql: str, *params: Any) -> dict[str, Any]:
        rows = self.query(sql, *params)
        assert len(rows) == 1, rows
        return rows[0]

    def execute(self, sql: str, *params: Any) -> None:
        self.conn.execute(sql, _args(params))

    # --- appeals ---

    def telegram_bot(self, tenant: Tenant, ref: str | None = "plain:123456:TEST-BOT-TOKEN") -> None:
        self.execute("UPDATE tenants SET telegram_bot_token_ref = %s WHERE id = %s", ref, tenant.id)

    def client(
        self, tenant: Tenant, *, telegram_id: int | None = None, name: str | None = "Client", phone: str | None = None
    ) -> UUID:
        telegram_id = telegram_id if telegram_id is not None else secrets.randbelow(10**9) + 10**9
        return datafactory.client(self.conn, tenant.id, telegram_id=telegram_id, name=name, phone=phone)

    def appeal(
        self,
        tenant: Tenant,
        *,
        client: UUID | None = None,
        status: str = "new",
        operator: Operator | None = None,
        text: str = "Need a battery",
        created_at: Any = None,
    ) -> UUID:
        """An appeal with one incoming message (a fresh client unless one is given)."""
        appeal_id, _ = datafactory.appeal(
            self.conn,
            tenant.id,
            client or self.client(tenant),
            [datafactory.Message("in", text)],
            status=status,
            holder=operator.id if operator else None,
            created_at=created_at,
        )
        return appeal_id

    def promo(self, tenant: Tenant, *, text: str = "Winter sale: -10%", is_active: bool = True) -> UUID:
        return datafactory.promo(self.conn, tenant.id, text=text, is_active=is_active)


def _args(params: tuple[Any, ...]) -> Any:
    """Positional parameters, or one dict of named ones."""
    return params[0] if len(params) == 1 and isinstance(params[0], dict) else params


T = TypeVar("T")


def at_once(calls: Sequence[Callable[[], T]], pool: ThreadPoolExecutor | None = None) -> list[T]:
    """Each call on its own thread, all released together: their results, in order (a call that
    raised raises here). On ``pool``'s threads when given, at least as many as the calls, so that
    each thread keeps its database connection from one round to the next."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    executor = pool or ThreadPoolExecutor(len(calls))
    try:
        return [done.result() for done in [executor.submit(run, call) for call in calls]]
    finally:
        if pool is None:
            executor.shutdown()
