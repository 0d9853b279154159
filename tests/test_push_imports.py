"""firebase-admin (~185 ms of import) and boto3 (~200 ms) stay out of the API functions' cold start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib.util, json, sys
loaded = {}
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("fn_" + path.split("/")[-2], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded[path.split("/")[-2]] = sorted(m for m in ("firebase_admin", "boto3") if m in sys.modules)
print(json.dumps(loaded))
"""


def imports(*functions: str) -> dict[str, list[str]]:
    paths = [str(ROOT / "functions" / name / "app.py") for name in functions]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *paths], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, list[str]] = json.loads(out)
    return result


def test_no_api_function_imports_firebase_admin_or_boto3() -> None:
    api_functions = sorted(
        p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists() and p.name != "push_dispatcher"
    )
    assert api_functions
    assert imports(*api_functions) == {name: [] for name in api_functions}


def test_the_dispatcher_loads_firebase_admin_at_init() -> None:
    assert "firebase_admin" in imports("push_dispatcher")["push_dispatcher"]
