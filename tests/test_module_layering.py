"""The layer's modules import without cycles, and repositories stay at the bottom of the house."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"

# What a repository (shared/repo) may import from the layer: the connection, typed errors,
# settings, models and other repositories. Never a service above it.
REPO_MAY_IMPORT = ("shared.db", "shared.errors", "shared.settings", "shared.models", "shared.repo")

# Imports inside a function, allowed only for cold-start cost (each says so where it stands).
LAZY_FOR_COLD_START = {("shared/push/dispatcher.py", "shared.push.fcm")}


def modules() -> list[str]:
    names = []
    for path in sorted(SHARED.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def shared_imports(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    """(module, node) for every import of a ``shared`` module in ``tree``, ``from shared import x``
    counted as ``shared.x``."""
    found: list[tuple[str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names if alias.name.split(".")[0] == "shared"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "shared":
            if node.module in ("shared", "shared.models", "shared.repo", "shared.push"):
                found += [(f"{node.module}.{alias.name}", node) for alias in node.names]
            else:
                found.append((node.module, node))
    return found


def test_every_shared_module_imports_in_a_fresh_interpreter_in_alphabetical_order() -> None:
    names = modules()
    assert "shared.push.dispatcher" in names and "shared.repo.push_outbox" in names
    probe = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint('ok')"
    result = subprocess.run([sys.executable, "-c", probe, *names], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


def test_repositories_import_nothing_above_them() -> None:
    offenders = []
    for path in sorted((SHARED / "repo").glob("*.py")):
        for module, _ in shared_imports(ast.parse(path.read_text())):
            if not module.startswith(REPO_MAY_IMPORT):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_no_import_hides_inside_a_function_but_the_commented_cold_start_ones() -> None:
    found = set()
    for path in sorted(SHARED.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for module, _ in shared_imports(func):
                    found.add((str(path.relative_to(ROOT)), module))
    assert found == LAZY_FOR_COLD_START


def test_the_layer_ships_no_operator_tooling() -> None:
    assert not (SHARED / "admin.py").exists()
    assert not (SHARED / "admin_telegram.py").exists()
    source = (SHARED / "migrations.py").read_text()
    assert "argparse" not in source and "def main(" not in source
