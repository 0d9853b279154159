"""Cold start, measured from outside: a fresh interpreter per sample (bytecode cached) imports a
function's module and gets its ``lambda_handler`` (for the read endpoints also runs its first
invocation, connecting included), against a fresh interpreter importing only the libraries every
API function stands on (psycopg, pydantic, Powertools' event handler), interleaved in the same run.
The figure is the difference in the child's CPU time (user + system, from its rusage): on a shared
machine the steadiest measure of the work. The target is judged on the median, over the rounds, of
each round's difference; the difference of the lowest samples and of the medians are given too,
with the median wall time beside them. ``imports_beyond_floor`` says where the difference goes
(``python -X importtime``).

Each child runs with its function's environment as template.yaml gives it (the literal values of
``Globals`` and of the function's own ``Environment``; those taken from stack parameters are left
to the bench's own environment), so what is measured is what Lambda runs: with
``PYDANTIC_DISABLE_PLUGINS``, say, pydantic skips its plugin scan on the first validator. The floor
runs with the ``Globals`` values."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import median
from devtools.gateway import template_environment

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 25.0

FLOOR = (
    "import psycopg; import pydantic; from pydantic import BaseModel, Field, TypeAdapter; "
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver"
)
IMPORT = "import app; app.lambda_handler"
INVOKE = (
    "import json, os, app; from devtools.lambda_context import LambdaContext; "
    "r = app.lambda_handler(json.loads(os.environ['BENCH_EVENT']), LambdaContext('bench')); "
    "assert r['statusCode'] == 200, r"
)
NOT_API = {"console", "media_worker", "migrate", "push_dispatcher", "route_fallback", "session_cleanup"}

Events = dict[str, Callable[[int], dict[str, Any]]]  # function -> the event of its n-th first call


def same_event(event: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    """For a first call whose event may repeat (a read)."""
    return lambda i: event


def api_functions(root: Path = ROOT) -> list[str]:
    return [p.parent.name for p in sorted((root / "functions").glob("*/app.py")) if p.parent.name not in NOT_API]


def _env(root: Path, function: str | None, base: dict[str, str]) -> dict[str, str]:
    path = [str(root), *([str(root / "functions" / function)] if function else [])]
    return {**base, **template_environment(root / "template.yaml", function), "PYTHONPATH": os.pathsep.join(path)}


def cost(code: str, root: Path, function: str | None, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) for a fresh interpreter to run ``code`` with the function's folder on its
    path (as Lambda runs it) and exit."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=root,
        env=_env(root, function, env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{function}: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def _summary(samples: list[tuple[float, float]], floor: list[tuple[float, float]], judged: bool) -> dict[str, Any]:
    """The function's CPU over the floor's. Judged on the median of the per-round differences (each
    round runs the floor and every function once, interleaved): one unusually quick floor sample
    moves the difference of the two lowest figures by several milliseconds, but not this."""
    cpu, floor_cpu = [c for _, c in samples], [c for _, c in floor]
    wall, floor_wall = [w for w, _ in samples], [w for w, _ in floor]
    paired = median([c - f for c, f in zip(cpu, floor_cpu, strict=True)])
    return {
        "cpu_paired_median_ms": round(paired, 1),
        "cpu_min_ms": round(min(cpu) - min(floor_cpu), 1),
        "cpu_median_ms": round(median(cpu) - median(floor_cpu), 1),
        "wall_median_ms": round(median(wall) - median(floor_wall), 1),
        "met": paired <= TARGET_MS if judged else None,
    }


def measure(
    url: str, roots: dict[str, Path], first: Events, runs: int, only: list[str] | None = None
) -> dict[str, Any]:
    """Per API function (or each of ``only``) of each checkout in ``roots``: import + handler over
    the floor, and for the functions in ``first`` import + handler + first invocation; one sample
    of each per round."""
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "DATABASE_URL": url}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for i in range(runs + 1):  # the first round writes the bytecode caches and is not counted
        got = {("", "_floor"): cost(FLOOR, ROOT, None, env)}
        for label, root in roots.items():
            for name in only or api_functions(root):
                got[label, name] = cost(IMPORT, root, name, env)
            for n, (name, make) in enumerate(first.items()):
                event = json.dumps(make(1_000 * (len(roots) * n + list(roots).index(label)) + i))
                got[label, f"{name}+call"] = cost(INVOKE, root, name, {**env, "BENCH_EVENT": event})
        if i:
            for key, value in got.items():
                samples.setdefault(key, []).append(value)
    floor = samples.pop(("", "_floor"))
    out: dict[str, Any] = {"_floor_cpu_ms": round(min(c for _, c in floor), 1)}
    for (label, name), values in samples.items():
        out.setdefault(label, {})[name] = _summary(values, floor, judged=not name.endswith("+call"))
    return out


def top_imports(trace: str, n: int = 4) -> list[str]:
    """Where the import time goes, from `python -X importtime`: each module's own (self) time,
    summed by top-level package, so a package's cost is not hidden inside whoever imported it."""
    cost: Counter[str] = Counter()
    for line in trace.splitlines():
        if found := re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line):
            cost[found.group(2).split(".")[0]] += int(found.group(1))
    return [f"{p} {us / 1000:.0f}ms" for p, us in cost.most_common(n)]


def imports_beyond_floor(function: str, root: Path = ROOT, top: int = 3) -> list[str]:
    """What the function imports on top of the floor, by module (own time, ``-X importtime``)."""
    code = f"{FLOOR}; import sys; sys.stderr.write('@@floor@@\\n'); {IMPORT}"
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=root,
        env=_env(root, function, dict(os.environ)),
        capture_output=True,
        text=True,
        check=True,
    ).stderr.split("@@floor@@", 1)[1]
    spent: Counter[str] = Counter()
    for line in trace.splitlines():
        if found := re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line):
            spent[".".join(found.group(2).split(".")[:3])] += int(found.group(1))
    return [f"{name} {us / 1000:.1f}" for name, us in spent.most_common(top)]


def lines(result: dict[str, Any], imports: dict[str, list[str]] | None = None) -> list[str]:
    rows = [
        f"cold start over the libraries (fresh interpreters, CPU ms over the floor's {result['_floor_cpu_ms']} ms: "
        f"median of the rounds' differences, lowest, median, wall median; target <= {TARGET_MS:.0f}, "
        "+call: with the first invocation, for information):",
    ]
    for name, r in result["this"].items():
        verdict = {True: "met", False: "MISSED", None: ""}[r["met"]]
        beyond = f"  {', '.join(imports[name])}" if imports and name in imports else ""
        rows.append(
            f"  {name:<26} {r['cpu_paired_median_ms']:>+6.1f}   {r['cpu_min_ms']:>+6.1f} / {r['cpu_median_ms']:>+6.1f}"
            f"  wall {r['wall_median_ms']:>+7.1f}  {verdict}{beyond}"
        )
    return rows
