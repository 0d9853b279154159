"""The operator's inbox at scale (`make bench` runs it; alone: `python -m bench.lifecycle [--quick]`):
search (q) and the list by activity over 100,000 appeals and 1,000,000 messages in one tenant, and
unread counts (read marks on every appeal) not growing with the number of messages.

Its own database (``batterycrm_bench_lifecycle``, after ``BENCH_DATABASE``), so it never disturbs the
main bench's figures.
Writes bench/results/lifecycle.json (lifecycle-quick.json with --quick)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import psycopg

from bench import setup
from bench.bulk import drop_indexes
from bench.inprocess import Api
from bench.measure import Figure, command, execution_ms, timed
from devtools import datafactory
from shared.appeals import sql as appeals_repo

BENCH_DB = f"{setup.BENCH_DB}_lifecycle"
SEARCH_TARGET_P50_MS = 5.0
BULK_INDEXES = ("appeal_messages_text_trgm_idx", "appeal_messages_appeal_idx")

_FIRST = ["Иван", "Мария", "Sergey", "Olga", "Дмитрий", "Elena", "Алексей", "Anna", "Pavel", "Наталья"]
_LAST = ["Петров", "Smirnova", "Кузнецов", "Volkova", "Соколов", "Popov", "Лебедева", "Novikov", "Морозов", "Orlova"]
_TEXTS = [
    "Нужен аккумулятор на {car}, что есть в наличии?",
    "Сколько стоит замена аккумулятора?",
    "Машина не заводится после ночи на морозе",
    "Добрый день! Есть Varta и Bosch от 7 900 ₽",
    "Доставка по городу бесплатная",
    "Можно приехать на диагностику сегодня?",
    "Спасибо, заеду завтра после обеда",
    "Заберёте старый аккумулятор при покупке?",
]
_CARS = ["Kia Rio", "Hyundai Solaris", "Lada Vesta", "Toyota Camry", "VW Polo", "Skoda Octavia", "Renault Logan"]


def _getter(api: Api, path: str, query: str) -> Callable[[int], Any]:
    """One GET of ``path?query`` per call, its JSON read as a client would (bound now, not when
    the loop ends)."""
    return lambda _i: json.loads(api.get(path, query))


def populate(url: str, appeals: int, messages_per_appeal: int) -> dict[str, Any]:
    """One tenant with ``appeals`` clients and appeals (a tenth of them open) and
    ``messages_per_appeal`` messages each, activity and unread counters as the API keeps them, and
    an operator with a read mark on every appeal. Returns what the measurements need."""
    texts = [t.format(car=c) for t in _TEXTS for c in _CARS]
    with setup.bulk_connection(url) as conn:
        tenant_id = datafactory.tenant(conn, slug="bench-inbox", name="Bench shop", webhook_secret="x")  # noqa: S106
        operator_id = datafactory.operator(
            conn,
            tenant_id,
            login="inbox@bench.test",
            name="Inbox",
            password="bench-password-123",  # noqa: S106
        )
        indexes = drop_indexes(conn, BULK_INDEXES)
        conn.execute(
            """
            INSERT INTO clients (tenant_id, telegram_id, name, username, phone)
            SELECT %(t)s, 500000000 + g,
                   (%(first)s::text[])[1 + g %% 10] || ' ' || (%(last)s::text[])[1 + (g / 10) %% 10] || ' ' || g,
                   'user' || g,
                   CASE WHEN g %% 3 = 0 THEN '+79' || lpad((100000000 + g * 7)::text, 9, '0') END
              FROM generate_series(1, %(n)s) g
            """,
            {"t": tenant_id, "n": appeals, "first": _FIRST, "last": _LAST},
        )
        conn.execute(
            """
            INSERT INTO appeals (tenant_id, client_id, status, preview, created_at, in_seq)
            SELECT %(t)s, c.id, CASE WHEN c.telegram_id %% 10 = 0 THEN 'new' ELSE 'closed' END, 'bench',
                   now() - (c.telegram_id - 500000000) * interval '20 seconds', %(m)s / 2
              FROM clients c WHERE c.tenant_id = %(t)s
            """,
            {"t": tenant_id, "m": messages_per_appeal},
        )
        conn.execute(
            """
            INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status, created_at)
            SELECT %(t)s, a.id, CASE WHEN k %% 2 = 0 THEN 'in' ELSE 'out' END,
                   (%(texts)s::text[])[1 + (hashtext(a.id::text) %% %(nt)s + %(nt)s + k) %% %(nt)s] || ' #' || k,
                   CASE WHEN k %% 2 = 0 THEN 'received' ELSE 'sent' END,
                   a.created_at + k * interval '1 minute'
              FROM appeals a CROSS JOIN generate_series(1, %(m)s) k
             WHERE a.tenant_id = %(t)s
            """,
            {"t": tenant_id, "m": messages_per_appeal, "texts": texts, "nt": len(texts)},
        )
        # a rare phrase in a few messages: what a search for a specific model looks like
        conn.execute(
            "UPDATE appeal_messages SET text = text || ' Varta Silver Dynamic AGM 95Ah' WHERE id IN "
            "(SELECT id FROM appeal_messages WHERE tenant_id = %s ORDER BY id LIMIT 20)",
            (tenant_id,),
        )
        conn.execute(
            "UPDATE appeals SET last_message_at = created_at + %s * interval '1 minute', "
            "last_message_preview = 'bench' WHERE tenant_id = %s",
            (messages_per_appeal, tenant_id),
        )
        conn.execute(
            "INSERT INTO appeal_reads (tenant_id, appeal_id, operator_id, read_seq) "
            "SELECT tenant_id, id, %s, in_seq - (id::text < '8') :: int FROM appeals WHERE tenant_id = %s",
            (operator_id, tenant_id),
        )
        for sql in indexes:
            conn.execute(sql)
        conn.execute("VACUUM ANALYZE")
        token = secrets.token_urlsafe(32)
        datafactory.sessions(conn, tenant_id, [(operator_id, token)], device_type="desktop", ttl="1 day", history=False)
        named = conn.execute(
            "SELECT name FROM clients WHERE tenant_id = %s AND telegram_id = %s", (tenant_id, 500000000 + appeals // 2)
        ).fetchone()
        phone = conn.execute(
            "SELECT phone FROM clients WHERE tenant_id = %s AND phone IS NOT NULL ORDER BY telegram_id DESC LIMIT 1",
            (tenant_id,),
        ).fetchone()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM appeals WHERE tenant_id = %(t)s) AS appeals, "
            "(SELECT count(*) FROM appeal_messages WHERE tenant_id = %(t)s) AS messages",
            {"t": tenant_id},
        ).fetchone()
    assert phone is not None and counts is not None and named is not None
    national = phone[0][2:]  # +7XXXXXXXXXX -> XXXXXXXXXX
    typed = f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    return {
        "tenant_id": tenant_id,
        "operator_id": operator_id,
        "token": token,
        "phone_typed": typed,
        "name_q": " ".join(str(named[0]).split()[-2:]),  # "<last name> <number>": one client
        "appeals": counts[0],
        "messages": counts[1],
    }


def search_params(data: dict[str, Any], q: str, digits: str | None) -> tuple[str, dict[str, Any]]:
    """The search statement the list runs for ``q`` (first page, all statuses), with its values."""
    key = ("created", "any", "phone" if digits else "text")
    params = {
        "tenant_id": data["tenant_id"],
        "operator_id": data["operator_id"],
        "statuses": ["new", "in_progress", "closed", "rejected"],
        "assigned": "any",
        "before_key": "infinity",
        "before_id": UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
        "limit": 51,
        "pattern": f"%{q}%",
        "digits": f"%{digits}%" if digits else None,
    }
    return appeals_repo.LIST_QUERIES[key], params


def explain(url: str, data: dict[str, Any], q: str, digits: str | None, runs: int) -> dict[str, Any]:
    """The plan of the search statement, and its server-side execution time (median of ``runs``
    EXPLAIN ANALYZE runs: the database's share of a request, apart from Python and the machine's load)."""
    query, params = search_params(data, q, digits)
    with psycopg.connect(url) as conn:
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params).fetchall())
        times = []
        for _ in range(runs):
            rows = conn.execute("EXPLAIN (ANALYZE, TIMING OFF) " + query, params).fetchall()
            times += execution_ms(rows)
    return {"plan": plan, "execution_p50_ms": round(sorted(times)[len(times) // 2], 3)}


def measure(url: str, data: dict[str, Any], runs: int) -> dict[str, Any]:
    api = Api(url, data["token"], "198.18.200.2")
    path = "/webhook/api/operator/appeals"
    name_q = data["name_q"]
    cases = {
        "search: client name": urlencode({"q": name_q, "status": "all", "limit": 50}),
        "search: phone as typed": urlencode({"q": data["phone_typed"], "status": "all", "limit": 50}),
        "search: message text": urlencode({"q": "Silver Dynamic", "status": "all", "limit": 50}),
        "list: sort=activity (50)": "sort=activity&limit=50",
        "list: sort=activity, all statuses": "sort=activity&status=all&limit=50",
        "list: created, unread counts (50)": "status=all&limit=50",
    }
    figures: list[Figure] = []
    for name, query in cases.items():
        page = json.loads(api.get(path, query))
        assert page["appeals"] or name.startswith("list"), (name, page)
        figures.append(timed(name, _getter(api, path, query), runs))
    typed = data["phone_typed"]
    national = "".join(ch for ch in typed if ch.isdigit())[1:]
    sql = {
        "search: client name": explain(url, data, name_q, None, runs),
        "search: phone as typed": explain(url, data, typed, national, runs),
        "search: message text": explain(url, data, "Silver Dynamic", None, runs),
    }
    return {"figures": [vars(f) for f in figures], "sql": sql}


def run(server: str, quick: bool) -> dict[str, Any]:
    """Small (1,000 appeals) then large; the same measurements at both sizes."""
    out: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick, "sizes": []}
    runs = 60 if quick else 300
    for appeals in (1_000, 10_000 if quick else 100_000):
        started = time.monotonic()
        url = setup.new_database(server, BENCH_DB)
        data = populate(url, appeals, 10)
        built = time.monotonic() - started
        result = measure(url, data, runs)
        out["sizes"].append(
            {"appeals": data["appeals"], "messages": data["messages"], "setup_s": round(built, 1), **result}
        )
    large = out["sizes"][-1]
    search = [f for f in large["figures"] if f["name"].startswith("search")]
    out["search_target_met"] = all(f["p50_ms"] <= SEARCH_TARGET_P50_MS for f in search)
    out["seq_scan_in_search_plans"] = any("Seq Scan" in p["plan"] for p in large["sql"].values())
    return out


def table(result: dict[str, Any]) -> list[str]:
    small, large = result["sizes"][0], result["sizes"][-1]
    lines = [
        f"inbox at scale: {small['appeals']:,} appeals / {small['messages']:,} messages -> "
        f"{large['appeals']:,} / {large['messages']:,} (p50 ms, small -> large; p99 large)"
    ]
    for a, b in zip(small["figures"], large["figures"], strict=True):
        target = ""
        if a["name"].startswith("search"):
            target = "met" if b["p50_ms"] <= SEARCH_TARGET_P50_MS else "MISSED"
            target += f": p50 <= {SEARCH_TARGET_P50_MS} ms"
        lines.append(f"  {a['name']:<36}{a['p50_ms']:>8.2f} ->{b['p50_ms']:>8.2f}{b['p99_ms']:>9.2f}  {target}")
    for name, sql in large["sql"].items():
        small_ms = small["sql"][name]["execution_p50_ms"]
        lines.append(f"  {name + ' (SQL only)':<36.36}{small_ms:>8.2f} ->{sql['execution_p50_ms']:>8.2f}")
    lines.append(f"  sequential scan in the search plans: {'YES' if result['seq_scan_in_search_plans'] else 'none'}")
    return lines


def main() -> None:
    command(__doc__, "lifecycle", "10,000 appeals / 100,000 messages", run, table)


if __name__ == "__main__":
    main()
