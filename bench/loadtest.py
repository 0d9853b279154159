"""`make loadtest`: a realistic mix through the local stack (the gateway of `make run`, in its own
process) over many tenants, stepping up the number of connections until something saturates.
Bounded in time and in requests; loopback only.

Data (set-based SQL, about a minute): 1,000 shops x 5 operators, each with a live mobile and desktop
session; 1,000,000 sessions ever issued (session_history); 100 clients per shop, one appeal each
(a fifth open), 1,000,000 messages. The mix per request: 30% session status (validation-heavy),
20% appeal list, 20% appeal detail, 5% take, 5% answer (Telegram in dry-run: recorded as sent),
20% Telegram updates from clients (append or open an appeal, queue new_appeal pushes).

The database is a private embedded PostgreSQL started with pg_stat_statements preloaded (its own
data folder under .local/), unless LOADTEST_DATABASE_URL points at a server; the report ends with
the top statements by total time, or says why they are not available.

    python -m bench.loadtest [--step-seconds 10] [--max-requests 400000] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import setup
from bench.measure import percentile, run_clients
from shared.auth import passwords

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA_DIR = ROOT / ".local" / "loadtest-pg"
DB = f"{setup.BENCH_DB}_loadtest"
SHOPS, OPERATORS, CLIENTS, MESSAGES_PER_APPEAL, SESSIONS_EVER = 1_000, 5, 100, 10, 1_000_000
STEPS = (2, 4, 8, 16, 32)
MIX = (("status", 30), ("list", 20), ("detail", 20), ("take", 5), ("answer", 5), ("telegram", 20))


def server_url() -> str:
    given = os.environ.get("LOADTEST_DATABASE_URL")
    if given:
        return given
    from devtools import embedded_pg

    settings = embedded_pg.SERVER_SETTINGS
    embedded_pg.SERVER_SETTINGS = (*settings, "shared_preload_libraries=pg_stat_statements")
    try:
        return embedded_pg.ensure_running(DATA_DIR, embedded_pg.free_port())
    finally:
        embedded_pg.SERVER_SETTINGS = settings


def build(server: str, scale: float) -> str:
    """A fresh database with the load test's data; returns its URL."""
    url = setup.new_database(server, DB)
    shops, sessions_ever = int(SHOPS * scale), int(SESSIONS_EVER * scale)
    with setup.bulk_connection(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            "INSERT INTO tenants (name, slug, telegram_bot_token_ref, telegram_webhook_secret)"
            " SELECT 'Shop ' || g, 'shop-' || g, 'plain:' || g || ':LOADTEST', 'lt-secret-' || g"
            " FROM generate_series(1, %s) g",
            (shops,),
        )
        conn.execute(
            "INSERT INTO operators (tenant_id, login, name, password_hash)"
            " SELECT t.id, 'op' || k || '@' || t.slug || '.test', 'Operator ' || k, %s"
            " FROM tenants t CROSS JOIN generate_series(1, %s) k",
            (passwords.hash_password("loadtest-password"), OPERATORS),
        )
        conn.execute(
            """
            WITH d AS (
                INSERT INTO operator_devices (operator_id, tenant_id, device_type, token_hash, expires_at)
                SELECT o.id, o.tenant_id, kind, sha256(convert_to('lt-' || o.login || '-' || kind, 'UTF8')),
                       now() + interval '60 days'
                  FROM operators o CROSS JOIN (VALUES ('mobile'), ('desktop')) AS k(kind)
                RETURNING id, operator_id, tenant_id, device_type, token_hash, created_at
            )
            INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at)
            SELECT * FROM d
            """
        )
        conn.execute(
            """
            WITH ops AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(tenant_id ORDER BY id) AS tids
                           FROM operators)
            INSERT INTO session_history
                   (id, operator_id, tenant_id, device_type, token_hash, created_at, ended_at, end_reason)
            SELECT gen_random_uuid(), ops.ids[1 + g %% cardinality(ops.ids)], ops.tids[1 + g %% cardinality(ops.ids)],
                   CASE WHEN g %% 2 = 0 THEN 'mobile' ELSE 'desktop' END, sha256(convert_to('old-' || g, 'UTF8')),
                   now() - interval '60 days', now() - interval '50 days',
                   (ARRAY['expired', 'logout', 'replaced'])[1 + g %% 3]
              FROM ops, generate_series(1, %(n)s) g
            """,
            {"n": max(0, sessions_ever - shops * OPERATORS * 2)},
        )
        conn.execute(
            "INSERT INTO clients (tenant_id, telegram_id, name)"
            " SELECT t.id, 100000 + k, 'Клиент ' || k FROM tenants t CROSS JOIN generate_series(1, %s) k",
            (CLIENTS,),
        )
        conn.execute(
            """
            WITH a AS (
                INSERT INTO appeals (tenant_id, client_id, preview, status, created_at, closed_at)
                SELECT c.tenant_id, c.id, 'Нужен аккумулятор',
                       CASE WHEN c.telegram_id %% 5 = 0 THEN 'new' ELSE 'closed' END,
                       now() - random() * interval '30 days',
                       CASE WHEN c.telegram_id %% 5 = 0 THEN NULL ELSE now() END
                  FROM clients c
                RETURNING id, tenant_id
            )
            INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status)
            SELECT a.tenant_id, a.id, 'in', 'Здравствуйте, нужен аккумулятор 60 Ач на Гранту, есть в наличии?',
                   'received'
              FROM a CROSS JOIN generate_series(1, %s)
            """,
            (MESSAGES_PER_APPEAL,),
        )
        conn.execute("VACUUM ANALYZE")
    return url


@dataclass
class World:
    """What the load generator picks from: shops and their open appeals."""

    shops: int
    open_appeals: dict[int, list[str]]
    update_id: int = 10_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_update(self) -> int:
        with self.lock:
            self.update_id += 1
            return self.update_id


def world(url: str) -> World:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT substr(t.slug, 6)::int, a.id::text FROM appeals a JOIN tenants t ON t.id = a.tenant_id"
            " WHERE a.status IN ('new', 'in_progress')"
        ).fetchall()
    appeals: dict[int, list[str]] = {}
    for shop, appeal in rows:
        appeals.setdefault(shop, []).append(appeal)
    return World(max(appeals), appeals)


def request(kind: str, w: World, rng: random.Random) -> tuple[str, str, dict[str, str], bytes]:
    shop = rng.randint(1, w.shops)
    op = rng.randint(1, OPERATORS)
    headers = {"authorization": f"Bearer lt-op{op}@shop-{shop}.test-mobile", "content-type": "application/json"}
    base = "/webhook/api/operator/appeals"
    appeals = w.open_appeals.get(shop) or [""]
    if kind == "status":
        return "GET", "/webhook/api/operator/session", headers, b""
    if kind == "list":
        return "GET", f"{base}?limit=50", headers, b""
    if kind == "detail":
        return "GET", f"{base}/{rng.choice(appeals)}", headers, b""
    if kind == "take":
        return "POST", f"{base}/{rng.choice(appeals)}/take", headers, b""
    if kind == "answer":
        body = {"text": "Есть в наличии, приезжайте!", "client_message_id": f"lt-{rng.getrandbits(48)}"}
        return "POST", f"{base}/{rng.choice(appeals)}/response", headers, json.dumps(body).encode()
    update_id = w.next_update()
    client = 100000 + rng.randint(1, CLIENTS)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": client, "type": "private"},
            "from": {"id": client, "is_bot": False, "first_name": "Иван"},
            "text": "Будет скидка?",
        },
    }
    secret = {"x-telegram-bot-api-secret-token": f"lt-secret-{shop}", "content-type": "application/json"}
    return "POST", f"/webhook/telegram/shop-{shop}", secret, json.dumps(update).encode()


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def machine_idle() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return float(values[3] + values[4]), float(sum(values))


def postgres_pids() -> list[int]:
    """The load test's PostgreSQL: its postmaster (from postmaster.pid) and every backend under it."""
    try:
        postmaster = int((DATA_DIR / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [postmaster, *children(postmaster)]


def children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def gateway_pids(gateway: int) -> list[int]:
    """The gateway and its worker processes (children of its forkserver, a child of the gateway)."""
    pids, todo = [gateway], [gateway]
    while todo:
        below = children(todo.pop())
        pids += below
        todo += below
    return pids


def step(port: int, w: World, connections: int, seconds: float, budget: int) -> dict[str, Any]:
    kinds = [k for k, weight in MIX for _ in range(weight)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sent = [0]

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        seen: dict[str, int] = {}
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= budget:
                    break
                sent[0] += 1
            kind = rng.choice(kinds)
            method, path, headers, body = request(kind, w, rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body or None, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                code = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            label = f"{kind} {code}"
            seen[label] = seen.get(label, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for label, n in seen.items():
                statuses[label] = statuses.get(label, 0) + n

    elapsed = run_clients(client, connections)
    errors = sum(n for label, n in statuses.items() if label.endswith((" 0", " 500", " 502", " 503")))
    return {
        "connections": connections,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed),
        "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
        "errors": errors,
        "statuses": dict(sorted(statuses.items())),
    }


def top_statements(url: str, n: int = 10) -> dict[str, Any]:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            rows = conn.execute(
                "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,"
                " round(mean_exec_time::numeric, 4) AS mean_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 110)"
                " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " ORDER BY total_exec_time DESC LIMIT %s",
                (n,),
            ).fetchall()
        return {"available": True, "rows": [list(map(str, r)) for r in rows]}
    except psycopg.Error as exc:
        return {"available": False, "why": str(exc).splitlines()[0]}


def reset_statements(url: str) -> None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step-seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=400_000, help="stop after this many in all")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, 3 s steps")
    args = parser.parse_args()
    scale, seconds = (0.1, 3.0) if args.quick else (1.0, args.step_seconds)
    began = time.monotonic()
    server = server_url()
    print(
        f"building the data ({'a tenth of ' if args.quick else ''}1,000 shops, 1M sessions, 1M messages)...",
        flush=True,
    )
    url = build(server, scale)
    built = time.monotonic() - began
    w = world(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "TELEGRAM_DRY_RUN": "true",
        "PYTHONPATH": str(ROOT),
    }
    gateway = subprocess.Popen(
        [sys.executable, "-m", "devtools.gateway", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert gateway.stdout is not None
    port = next(int(line.split()[2].rsplit(":", 1)[1]) for line in gateway.stdout if line.startswith("serving on"))
    threading.Thread(target=gateway.stdout.read, daemon=True).start()
    reset_statements(url)
    steps: list[dict[str, Any]] = []
    left = args.max_requests
    try:
        step(port, w, 4, 2.0, 2_000)  # warm every worker's functions
        for connections in STEPS:
            if left <= 0:
                break
            pg = postgres_pids()
            idle0, total0 = machine_idle()
            cpu0 = (cpu_seconds(gateway_pids(gateway.pid)), cpu_seconds(pg), cpu_seconds([os.getpid()]))
            result = step(port, w, connections, seconds, left)
            idle1, total1 = machine_idle()
            cpu1 = (cpu_seconds(gateway_pids(gateway.pid)), cpu_seconds(pg), cpu_seconds([os.getpid()]))
            wall = result["seconds"] or 1
            result["cpu"] = {
                "gateway_cores": round((cpu1[0] - cpu0[0]) / wall, 2),
                "postgres_cores": round((cpu1[1] - cpu0[1]) / wall, 2),
                "load_generator_cores": round((cpu1[2] - cpu0[2]) / wall, 2),
                "machine_busy": round(1 - (idle1 - idle0) / max(total1 - total0, 1), 2),
            }
            left -= result["requests"]
            steps.append(result)
            print(
                f"{connections:>3} connections: {result['rps']:>5} req/s, p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, {result['errors']} errors, cpu {result['cpu']}",
                flush=True,
            )
            if len(steps) > 1 and result["rps"] < steps[-2]["rps"] * 1.05:
                break  # no longer scaling: saturated
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    statements = top_statements(url)
    if not os.environ.get("LOADTEST_DATABASE_URL"):
        from devtools import embedded_pg

        embedded_pg.stop(DATA_DIR)  # the private server has served its purpose
    peak = max(steps, key=lambda s: s["rps"])
    cpu = peak["cpu"]
    if cpu["gateway_cores"] >= 0.85:
        first = "the gateway (its connection threads and worker processes), not the database"
    elif cpu["machine_busy"] >= 0.9:
        first = "the machine's CPU (2 cores shared by gateway, PostgreSQL and the load generator)"
    else:
        first = "neither CPU: waiting (locks or I/O)"
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "data_build_s": round(built, 1),
        "mix": dict(MIX),
        "steps": steps,
        "peak": {"connections": peak["connections"], "rps": peak["rps"], "p99_ms": peak["p99_ms"]},
        "saturates_first": first,
        "pg_stat_statements": statements,
    }
    lines = [
        f"saturates first: {first}, at about {peak['rps']} req/s ({peak['connections']} connections, "
        f"p99 {peak['p99_ms']} ms; gateway {cpu['gateway_cores']} cores, PostgreSQL {cpu['postgres_cores']}, "
        f"load generator {cpu['load_generator_cores']}, machine {cpu['machine_busy']:.0%} busy)",
    ]
    if statements["available"]:
        lines.append("pg_stat_statements, top statements by total time (calls, total ms, mean ms, query):")
        lines += [f"  {r[0]:>8} {r[1]:>10} {r[2]:>8}  {r[3]}" for r in statements["rows"]]
    else:
        lines.append(f"pg_stat_statements not available: {statements['why']}")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    name = "loadtest-quick.json" if args.quick else "loadtest.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote bench/results/{name} (took {time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
