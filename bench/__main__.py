"""`make bench` (`python -m bench [--quick]`): the floor, token validation, every API function
invoked in-process with a real API Gateway event, cold starts (measured from outside), scale and
cleanup. The local gateway's throughput is no figure here: it is a development tool, not what
Lambda runs. Prints a table, writes bench/results/latest.json and latest.png."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import baseline, coldstart, max_webhook, setup, vk_webhook
from bench import media as media_bench
from bench.measure import Figure, timed
from devtools.gateway import Gateway
from shared import cleanup
from shared.auth import sessions
from shared.core import db, settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGETS = {"validation_p50": 1.5, "read_p50": 5.0, "read_p99": 15.0, "read_round_trips": 2}


class Api:
    """Calls the functions in-process through template.yaml's routes, with real API Gateway events."""

    def __init__(self, token: str) -> None:
        self.gateway = Gateway(ROOT / "template.yaml")
        self.token = token

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, query: str = "") -> int:
        headers = {"content-type": "application/json", "authorization": f"Bearer {token or self.token}"}
        raw = json.dumps(body).encode() if body is not None else b""
        status, _, out = self.gateway.invoke(method, path, headers, raw, query, "198.18.200.1")
        if status >= 400:
            raise RuntimeError(f"{method} {path} -> {status}: {out[:200]!r}")
        return status


def endpoint_cases(api: Api, data: setup.BenchData, quick: bool) -> list[tuple[str, Callable[[int], Any], int]]:
    n = 60 if quick else 400
    appeal = f"/webhook/api/operator/appeals/{data.appeal_id}"
    logins = {"login": "bench@demo.test", "password": "bench-password-123"}
    return [
        ("session status", lambda i: api.call("GET", "/webhook/api/operator/session"), n),
        (
            "register FCM",
            lambda i: api.call("POST", "/webhook/android-register-fcm", {"fcm_token": f"bench-{i % 2}"}),
            n,
        ),
        ("appeal list (50)", lambda i: api.call("GET", "/webhook/api/operator/appeals", query="limit=50"), n),
        ("appeal detail", lambda i: api.call("GET", appeal), n),
        ("take", lambda i: api.call("POST", f"{appeal}/take"), n),
        (
            "normalize",
            lambda i: api.call(
                "POST", f"{appeal}/normalize", {"client_name": " ivan  petrov ", "phone": "8 (912) 345-67-89"}
            ),
            n,
        ),
        (
            "response (fake Telegram)",
            lambda i: api.call("POST", f"{appeal}/response", {"text": f"Reply {i}", "client_message_id": f"b-{i}"}),
            n,
        ),
        (
            "logout",
            lambda i: api.call("POST", "/webhook/android/logout", token=data.logout_tokens[i]),
            len(data.logout_tokens) - 5,
        ),
        (
            "login (argon2id by design)",
            lambda i: api.call("POST", "/webhook/desktop/auth/login", logins),
            10 if quick else 40,
        ),
    ]


def floor(runs: int) -> Figure:
    conn = db.connection()
    return timed("floor: SELECT 1", lambda i: conn.execute("SELECT 1").fetchone(), runs, warmup=50)


def validation(token: str, runs: int, name: str = "token validation") -> Figure:
    return timed(name, lambda i: sessions.validate(token), runs, warmup=20)


def first_call_events(data: setup.BenchData) -> dict[str, dict[str, Any]]:
    """Real API Gateway events for the read functions' first invocation in a fresh interpreter."""
    from devtools.gateway import build_event

    headers = {"authorization": f"Bearer {data.token}"}
    detail = f"/webhook/api/operator/appeals/{data.appeal_id}"
    return {
        "session_status": build_event("GET", "/webhook/api/operator/session", headers),
        "appeals_list": build_event("GET", "/webhook/api/operator/appeals", headers, query="limit=50"),
        "appeal_detail": build_event(
            "GET",
            detail,
            headers,
            route_key="GET /webhook/api/operator/appeals/{id}",
            path_parameters={"id": str(data.appeal_id)},
        ),
    }


def cleanup_run(url: str, expired: int) -> dict[str, Any]:
    """End ``expired`` sessions with the cleanup function; the longest single transaction is the
    longest time any of its statements holds row locks."""
    setup.expire_sessions(url, expired)
    import psycopg

    longest = [0.0]
    transaction = psycopg.Connection.transaction

    from contextlib import contextmanager

    @contextmanager
    def timed_transaction(conn: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        with transaction(conn, *args, **kwargs) as tx:
            yield tx
        longest[0] = max(longest[0], (time.perf_counter() - started) * 1000)

    psycopg.Connection.transaction = timed_transaction  # type: ignore[assignment,method-assign]
    try:
        started = time.perf_counter()
        result = cleanup.run()
        total = time.perf_counter() - started
    finally:
        psycopg.Connection.transaction = transaction  # type: ignore[method-assign]
    return {
        "expired_sessions": expired,
        "ended": result["sessions_expired"],
        "total_s": round(total, 2),
        "longest_lock_ms": round(longest[0], 1),
        "batch_size": settings.get_settings().cleanup_batch_size,
    }


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    version = db.connection().execute("SHOW server_version").fetchone()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": version["server_version"] if version else "?",
        "platform": platform.platform(),
    }


def row(fig: Figure, base: Figure, target: str = "") -> str:
    trips = f"{fig.round_trips:.1f}" if fig.round_trips is not None else "-"
    return f"{fig.name:<34}{fig.p50_ms:>9.3f}{fig.p99_ms:>9.3f}{fig.ratio(base):>9.1f}x{trips:>7}  {target}"


def verdict(ok: bool, text: str) -> str:
    return f"{'met' if ok else 'MISSED'}: {text}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one cold start per function (~2 min)")
    args = parser.parse_args()
    quick = args.quick
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF line per invocation in the output
    started = time.monotonic()
    from tests.fakes import telegram

    url = setup.fresh_database(setup.server_url())
    data = setup.populate(url, logout_sessions=70 if quick else 99)  # 100 sessions in all: the small scale
    with telegram.running() as fake:
        os.environ["TELEGRAM_API_BASE_URL"] = fake.url
        settings.reset()
        api = Api(data.token)
        base = floor(500 if quick else 3000)
        small_sessions = setup.grow_sessions(url, 100)
        checks = [validation(data.token, 300 if quick else 2000)]
        endpoints = [timed(name, call, runs) for name, call, runs in endpoint_cases(api, data, quick)]
        large = 50_000 if quick else 1_000_000
        before_list = next(f for f in endpoints if f.name.startswith("appeal list"))
        large_sessions = setup.grow_sessions(url, large)
        base_large = floor(500 if quick else 3000)
        scale: dict[str, Any] = {
            "small_sessions": small_sessions,
            "large_sessions": large_sessions,
            "validation_small_p50_ms": checks[0].p50_ms,
            "validation_large": vars(validation(data.token, 300 if quick else 2000, "token validation (large)")),
            "list_small_p50_ms": before_list.p50_ms,
            "list_large": vars(
                timed(
                    "appeal list (large)",
                    lambda i: api.call("GET", "/webhook/api/operator/appeals", query="limit=50"),
                    60 if quick else 400,
                )
            ),
            "floor_large_p50_ms": base_large.p50_ms,
        }
        media_webhooks, media_ready = media_bench.figures(fake, quick)  # the webhook with a photo, -> ready
        endpoints += media_webhooks
        endpoints += vk_webhook.figures(quick)  # VK's webhook beside Telegram's
        endpoints += max_webhook.figures(quick)  # and MAX's
        cleaned = cleanup_run(url, 10_000 if quick else 100_000)
    against_bare = baseline.compare(url, data.token, str(data.appeal_id), quick)
    first_calls = {name: coldstart.same_event(event) for name, event in first_call_events(data).items()}
    cold = coldstart.measure(url, {"this": ROOT}, first_calls, 2 if quick else 5)
    functions = [] if quick else coldstart.api_functions()
    imports = {name: coldstart.imports_beyond_floor(name) for name in functions}

    lines = [
        f"BatteryCRM bench {'(quick) ' if quick else ''}- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'/floor':>10}{'trips':>7}",
        row(base, base),
    ]
    validation_fig = checks[0]
    lines.append(
        row(
            validation_fig,
            base,
            verdict(
                validation_fig.ratio(base) <= TARGETS["validation_p50"] and validation_fig.round_trips == 1,
                "1 trip, p50 <= 1.5x",
            ),
        )
    )
    for fig in endpoints:
        target = ""
        if fig.name.startswith(("appeal list", "appeal detail")):
            ok = (
                fig.ratio(base) <= TARGETS["read_p50"]
                and fig.p99_ms / base.p50_ms <= TARGETS["read_p99"]
                and (fig.round_trips or 0) <= TARGETS["read_round_trips"]
            )
            target = verdict(ok, "<= 2 trips, p50 <= 5x, p99 <= 15x")
        elif fig.name.startswith("webhook") and fig.name.endswith("text"):  # the account cached: one statement
            target = verdict((fig.round_trips or 0) <= 1, "1 trip, the account cached per container")
        elif fig.name.startswith("webhook"):  # what Telegram waits for: never the file itself
            target = verdict((fig.round_trips or 0) <= 2, "<= 2 trips, the file is fetched after the answer")
        lines.append(row(fig, base, target))
    v_large = scale["validation_large"]
    l_large = scale["list_large"]
    lines += [
        "",
        f"scale: {small_sessions:,} -> {large_sessions:,} sessions: validation p50 {validation_fig.p50_ms:.3f} -> "
        f"{v_large['p50_ms']:.3f} ms, list p50 {before_list.p50_ms:.3f} -> {l_large['p50_ms']:.3f} ms "
        f"(floor {base.p50_ms:.3f} -> {base_large.p50_ms:.3f})",
        f"cleanup: {cleaned['ended']:,} expired sessions ended in {cleaned['total_s']} s, "
        f"longest lock {cleaned['longest_lock_ms']} ms (batches of {cleaned['batch_size']})",
        f"media: webhook -> ready for a {media_ready['photo_bytes']:,}-byte photo through the local store: "
        f"median {media_ready['median_ms']} ms, max {media_ready['max_ms']} ms ({media_ready['runs']} runs)",
    ]
    lines += ["", *baseline.lines(against_bare), *coldstart.lines(cold, imports)]
    lines.append(f"(took {time.monotonic() - started:.0f} s)")
    print("\n".join(lines))

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
        "floor": vars(base),
        "figures": [vars(f) for f in [validation_fig, *endpoints]],
        "scale": scale,
        "cleanup": cleaned,
        "media_ready": media_ready,
        "cold_start": cold,
        "against_bare": against_bare,
        "table": lines,
    }
    RESULTS.mkdir(exist_ok=True)
    name = "quick" if quick else "latest"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    chart(base, [validation_fig, *endpoints], RESULTS / f"{name}.png")
    print(f"wrote bench/results/{name}.json and {name}.png")


def chart(base: Figure, figures: list[Figure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5))
    names = [f.name for f in figures]
    xs = range(len(figures))
    ax.bar([x - 0.2 for x in xs], [f.p50_ms for f in figures], width=0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [f.p99_ms for f in figures], width=0.4, label="p99")
    ax.axhline(base.p50_ms, color="black", linestyle="--", label=f"floor p50 ({base.p50_ms:.3f} ms)")
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale)")
    ax.set_xticks(list(xs), names, rotation=30, ha="right", fontsize=8)
    ax.set_title("BatteryCRM: latency per request, in-process with real API Gateway events")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
