"""Before/after figures for a refactoring, in one run: ``python -m bench.compare [--quick] [--out F]
[--against OTHER_CHECKOUT]``. Per-request in-process cost (wall p50, CPU mean) of session status, the
appeal list and the Telegram webhook, each function's handler called directly with a real API
Gateway event; and every API function's cold start measured from outside (a fresh interpreter per
sample, bytecode cached: import the function's module and get ``lambda_handler``; for those three
also the first invocation) over the libraries' floor (psycopg, pydantic, Powertools' event handler)
in the same run. With ``--against``, the other checkout is measured in the same run, interleaved."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from bench import coldstart, setup
from bench.measure import median, percentile
from devtools.gateway import build_event
from devtools.lambda_context import LambdaContext

ROOT = Path(__file__).resolve().parent.parent
CASES = ("session_status", "appeals_list", "telegram_webhook")
_updates = count(70_000_000)


def _handler(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "functions" / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = module.lambda_handler
    return handler


def _webhook_event(i: int) -> dict[str, Any]:
    update_id = next(_updates)
    telegram_id = 8_200_000 + i % 50  # follow-ups in 50 open appeals
    message = {
        "message_id": update_id,
        "chat": {"id": telegram_id, "type": "private"},
        "from": {"id": telegram_id, "first_name": "Bench"},
        "text": "Is the 60 Ah one in stock?",
    }
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": "demo-telegram-secret"}
    body = json.dumps({"update_id": update_id, "message": message}).encode()
    return build_event(
        "POST",
        "/webhook/telegram/demo",
        headers,
        body,
        route_key="POST /webhook/telegram/{tenant_slug}",
        path_parameters={"tenant_slug": "demo"},
    )


def events(token: str) -> dict[str, Callable[[int], dict[str, Any]]]:
    auth = {"authorization": f"Bearer {token}"}
    status = build_event("GET", "/webhook/api/operator/session", auth)
    listing = build_event("GET", "/webhook/api/operator/appeals", auth, query="limit=50")
    return {"session_status": lambda i: status, "appeals_list": lambda i: listing, "telegram_webhook": _webhook_event}


def in_process(token: str, runs: int, batch: int = 20) -> dict[str, Any]:
    """Per request: wall p50/p99, and the CPU time (``thread_time``) of the cheapest batch of
    ``batch`` requests, divided by ``batch``: on a busy machine the cheapest batch is the one the
    other processes disturbed least, so it is the steadiest figure of the work itself."""
    out: dict[str, Any] = {}
    context = LambdaContext("bench")
    for name, make in events(token).items():
        handler = _handler(name)
        for i in range(20):
            assert handler(make(i), context)["statusCode"] == 200
        wall: list[float] = []
        batches: list[float] = []
        for start in range(20, 20 + runs, batch):
            c = time.thread_time()
            for i in range(start, start + batch):
                event = make(i)
                w = time.perf_counter()
                result = handler(event, context)
                wall.append((time.perf_counter() - w) * 1000)
                assert result["statusCode"] == 200, result
            batches.append((time.thread_time() - c) * 1000 / batch)
        out[name] = {
            "wall_p50_ms": round(percentile(wall, 50), 3),
            "wall_p99_ms": round(percentile(wall, 99), 3),
            "cpu_best_batch_ms": round(min(batches), 3),
            "cpu_median_batch_ms": round(median(batches), 3),
        }
    return out


def _requests_elsewhere(root: Path, url: str, token: str, runs: int) -> dict[str, Any]:
    """``in_process`` run by another checkout's copy of this script, in its own interpreter."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.compare", "--requests-only", str(runs), f"--token={token}"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--against", type=Path, help="another checkout (with this script) measured in the same run")
    parser.add_argument("--cold-start-of", nargs="*", metavar="FUNCTION", help="only these functions' cold start")
    parser.add_argument("--requests-only", type=int, metavar="RUNS", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)  # with --requests-only: the session to use
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    if args.requests_only:
        print(json.dumps(in_process(args.token, args.requests_only)))
        return
    from tests.fakes import telegram

    roots = {"this": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    runs = 300 if args.quick else 2000
    with telegram.running() as fake:
        url = setup.new_database(setup.server_url(), f"{setup.BENCH_DB}_compare")
        os.environ.update(TELEGRAM_API_BASE_URL=fake.url, TELEGRAM_DRY_RUN="false", DATABASE_URL=url)
        data = setup.populate(url, logout_sessions=5)
        requests: dict[str, list[dict[str, Any]]] = {label: [] for label in roots}
        for _ in range(1 if args.quick else 2):  # alternated, so both see the same machine
            for label, root in roots.items():
                requests[label].append(_requests_elsewhere(root, url, data.token, runs))
        cold = coldstart.measure(url, roots, events(data.token), 3 if args.quick else 10, args.cold_start_of)
    report = {"in_process": requests, "cold_start": cold}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
