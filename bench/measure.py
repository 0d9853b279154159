"""The measuring tools: percentiles, a database round-trip counter, timing loops, EXPLAIN ANALYZE's
time, and the command line of a separate bench (its results in bench/results/)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    name: str
    p50_ms: float
    p99_ms: float
    round_trips: float | None = None
    runs: int = 0

    def ratio(self, floor: Figure) -> float:
        return self.p50_ms / floor.p50_ms


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


class RoundTrips:
    """Counts statements sent to PostgreSQL by psycopg in this process: every execute/executemany,
    plus the BEGIN and COMMIT (or ROLLBACK) that ``Connection.transaction()`` sends on an
    autocommit connection."""

    def __init__(self) -> None:
        self.count = 0

    @contextmanager
    def counting(self) -> Iterator[RoundTrips]:
        counter = self
        cursor_execute, cursor_executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
        transaction = psycopg.Connection.transaction

        def execute(cur: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return cursor_execute(cur, *args, **kwargs)

        def executemany(cur: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
            params = list(params_seq)
            counter.count += len(params)  # no pipeline in this code base: one round trip per row
            return cursor_executemany(cur, query, params, **kwargs)

        @contextmanager
        def counted_transaction(conn: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            counter.count += 2
            with transaction(conn, *args, **kwargs) as tx:
                yield tx

        psycopg.Cursor.execute = execute  # type: ignore[method-assign,assignment]
        psycopg.Cursor.executemany = executemany  # type: ignore[method-assign,assignment]
        psycopg.Connection.transaction = counted_transaction  # type: ignore[assignment,method-assign]
        try:
            yield self
        finally:
            psycopg.Cursor.execute = cursor_execute  # type: ignore[method-assign]
            psycopg.Cursor.executemany = cursor_executemany  # type: ignore[method-assign]
            psycopg.Connection.transaction = transaction  # type: ignore[method-assign]


def timed(name: str, call: Callable[[int], Any], runs: int, warmup: int = 5) -> Figure:
    """Run ``call(i)`` ``runs`` times (after a warm-up); p50/p99 and round trips per call."""
    for i in range(warmup):
        call(i)
    samples: list[float] = []
    counter = RoundTrips()
    with counter.counting():
        for i in range(runs):
            started = time.perf_counter()
            call(warmup + i)
            samples.append((time.perf_counter() - started) * 1000)
    return Figure(name, percentile(samples, 50), percentile(samples, 99), counter.count / runs, runs)


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_clients(client: Callable[[int], None], count: int) -> float:
    """Run ``client(0..count-1)`` in threads together; the seconds until the last one ends."""
    threads = [threading.Thread(target=client, args=(k,)) for k in range(count)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def execution_ms(plan: Iterable[tuple[Any, ...]]) -> list[float]:
    """The "Execution Time" in EXPLAIN ANALYZE's output rows, in ms."""
    return [float(r[0].split(":")[1].split()[0]) for r in plan if r[0].startswith("Execution Time")]


def command(
    description: str | None,
    name: str,
    quick_help: str,
    run: Callable[[str, bool], dict[str, Any]],
    table: Callable[[dict[str, Any]], list[str]],
) -> None:
    """A separate bench's command line (``--quick``): ``run(server, quick)`` on the bench's
    PostgreSQL server, its table (and the load average while it ran) printed and, with the
    result, written to bench/results/<name>.json (<name>-quick.json with --quick)."""
    from bench import setup

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args()
    result = run(setup.server_url(), args.quick)
    result["load_average"] = os.getloadavg()
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    result["table"] = [*table(result), f"  load average during the run: {load}"]
    print("\n".join(result["table"]))
    RESULTS.mkdir(exist_ok=True)
    file = f"{name}-quick.json" if args.quick else f"{name}.json"
    (RESULTS / file).write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote bench/results/{file}")
