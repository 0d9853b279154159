"""Cold start against its floor: each function imported and its handler built in a fresh
interpreter, measured as the time on top of importing the libraries it stands on (in the same
interpreter, just before), and for the read endpoints the first invocation too (connecting
included) against a bare psycopg function's first lookup. Moving work from import into the first
request shows up in the second figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.measure import median

ROOT = Path(__file__).resolve().parent.parent

# What an API function stands on. pydantic's top-level import is lazy: BaseModel, Field and
# TypeAdapter pull in pydantic.main and the schema machinery, which any model needs.
API_LIBS = (
    "import psycopg; import pydantic; from pydantic import BaseModel, Field, TypeAdapter; "
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver"
)
PUSH_LIBS = (
    "import psycopg; import pydantic; from pydantic import BaseModel, Field; "
    "from aws_lambda_powertools import Logger; import firebase_admin; from firebase_admin import messaging"
)
TARGET_MS = 25.0

PROBE = """
import json, sys, time, importlib.util
sys.path.insert(0, {root!r})
from devtools.lambda_context import LambdaContext
t0 = time.perf_counter()
{libs}
t1 = time.perf_counter()
out = {{"libs_ms": (t1 - t0) * 1000}}
if {bare!r}:
    import hashlib, psycopg
    t = time.perf_counter()
    with psycopg.connect({url!r}, autocommit=True) as conn:
        conn.execute("SELECT d.id FROM operator_devices d JOIN operators o ON o.id = d.operator_id"
                     " WHERE d.token_hash = %s", (hashlib.sha256({token!r}.encode()).digest(),)).fetchone()
        json.dumps({{"success": True}})
    out["first_ms"] = (time.perf_counter() - t) * 1000
else:
    spec = importlib.util.spec_from_file_location("app", {path!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.lambda_handler
    t2 = time.perf_counter()
    out["ours_ms"] = (t2 - t1) * 1000
    event = json.loads({event!r})
    if event:
        result = module.lambda_handler(event, LambdaContext("bench"))
        assert result["statusCode"] == 200, result
        out["first_ms"] = (time.perf_counter() - t2) * 1000
print(json.dumps(out))
"""


def _probe(
    libs: str, *, path: Path | None = None, event: dict[str, Any] | None = None, url: str = "", token: str = ""
) -> dict[str, float]:
    code = PROBE.format(
        root=str(ROOT),
        libs=libs,
        bare=path is None,
        path=str(path),
        event=json.dumps(event or {}),
        url=url,
        token=token,
    )
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "DATABASE_URL": url or os.environ.get("DATABASE_URL", "")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(url: str, events: dict[str, dict[str, Any]], token: str, runs: int) -> dict[str, Any]:
    """Per function: median ms over its libraries for import + handler, and for the functions in
    ``events`` the first invocation against the bare first lookup."""
    out: dict[str, Any] = {}
    bare_first = [_probe(API_LIBS, url=url, token=token)["first_ms"] for _ in range(runs)]
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        name = app.parent.name
        libs = PUSH_LIBS if name == "push_dispatcher" else API_LIBS
        samples = [_probe(libs, path=app, event=events.get(name), url=url) for _ in range(runs)]
        entry: dict[str, Any] = {
            "libs_ms": round(median([s["libs_ms"] for s in samples]), 1),
            "over_libs_ms": round(median([s["ours_ms"] for s in samples]), 1),
        }
        if name in events:
            first = median([s["first_ms"] for s in samples])
            entry["first_call_ms"] = round(first, 1)
            entry["first_call_over_bare_ms"] = round(first - median(bare_first), 1)
        entry["met"] = entry["over_libs_ms"] <= TARGET_MS and entry.get("first_call_over_bare_ms", 0) <= TARGET_MS
        out[name] = entry
    out["_bare_first_call_ms"] = round(median(bare_first), 1)
    return out


def lines(result: dict[str, Any]) -> list[str]:
    rows = [
        f"cold start over the libraries (fresh interpreters, median ms; target <= {TARGET_MS:.0f}; "
        f"bare first lookup {result['_bare_first_call_ms']} ms incl. connect):",
    ]
    for name, r in result.items():
        if name.startswith("_"):
            continue
        first = (
            f"  first call {r['first_call_ms']:>6.1f} (+{r['first_call_over_bare_ms']:.1f} over bare)"
            if "first_call_ms" in r
            else ""
        )
        verdict = "met" if r["met"] else "MISSED"
        rows.append(f"  {name:<24} libs {r['libs_ms']:>6.1f}  ours +{r['over_libs_ms']:>5.1f}  {verdict}{first}")
    return rows
