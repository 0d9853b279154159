"""The FCM sender (google-auth and requests, ~80 ms of import) and boto3 (~200 ms) stay out of the
API functions' cold start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("shared.push.fcm", "google.auth", "requests", "boto3")
PROBE = """
import importlib.util, json, sys
heavy = sys.argv[1].split(",")
loaded = {}
for path in sys.argv[2:]:
    spec = importlib.util.spec_from_file_location("fn_" + path.split("/")[-2], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded[path.split("/")[-2]] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps(loaded))
"""


def imports(*functions: str) -> dict[str, list[str]]:
    paths = [str(ROOT / "functions" / name / "app.py") for name in functions]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *paths], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, list[str]] = json.loads(out)
    return result


def test_no_api_function_imports_the_fcm_sender_or_boto3() -> None:
    api_functions = sorted(
        p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists() and p.name != "push_dispatcher"
    )
    assert api_functions
    assert imports(*api_functions) == {name: [] for name in api_functions}


def test_the_dispatcher_loads_the_fcm_sender_at_init() -> None:
    assert {"shared.push.fcm", "google.auth", "requests"} <= set(imports("push_dispatcher")["push_dispatcher"])
