"""The layer's modules import without cycles, arrows point down (core at the bottom, the domains
above it), and the SQL modules stay at the bottom of each domain."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"

# What a SQL module (``sql.py``, ``*_sql.py``) may import from the layer: the connection, typed
# errors, settings, the query helpers, the model bases, other SQL modules and the appeal statuses.
# Never a service above it.
SQL_MAY_IMPORT = {
    "shared.core.db",
    "shared.core.errors",
    "shared.core.settings",
    "shared.core.sql",
    "shared.core.models",
    "shared.core.records",
}
SQL_MAY_IMPORT |= {"shared.appeals.statuses"}

# The floors of the house: a package imports only from its own floor or below. push sits under
# auth, because signing in queues a push ("signed in elsewhere"); http (the resolver every API
# function builds) above auth, because it signs every request in.
FLOORS = {
    "core": 0,
    "push": 1,
    "auth": 2,
    "http": 3,
    "appeals": 3,
    "channels": 3,
    "media": 3,
    "team": 3,
    "reports": 3,
    "cleanup": 4,
}

# Imports inside a function, allowed only for cold-start cost (each says so where it stands).
LAZY_FOR_COLD_START = {("shared/push/dispatcher.py", "shared.push.fcm")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[str]:
    return sorted(module_name(path) for path in SHARED.rglob("*.py"))


def shared_imports(tree: ast.AST, nodes: list[ast.stmt] | None = None) -> list[str]:
    """Every ``shared`` module imported in ``tree`` (or only by the statements ``nodes``),
    ``from shared.core import db`` counted as ``shared.core.db``."""
    known = set(modules())
    found: list[str] = []
    for node in nodes if nodes is not None else ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "shared"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "shared":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append(full if full in known else node.module)
    return found


def top_level_graph() -> dict[str, set[str]]:
    """Module -> the shared modules it imports when it loads."""
    graph = {}
    for path in sorted(SHARED.rglob("*.py")):
        tree = ast.parse(path.read_text())
        graph[module_name(path)] = set(shared_imports(tree, tree.body))
    return graph


def is_sql(module: str) -> bool:
    return module.rsplit(".", 1)[-1] == "sql" or module.endswith("_sql")


def floor(module: str) -> int | None:
    parts = module.split(".")
    return FLOORS.get(parts[1]) if len(parts) > 1 else None


def test_every_shared_module_imports_in_a_fresh_interpreter_in_alphabetical_order() -> None:
    names = modules()
    assert "shared.push.dispatcher" in names and "shared.push.outbox_sql" in names
    probe = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint('ok')"
    result = subprocess.run([sys.executable, "-c", probe, *names], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


def test_no_module_imports_itself_back_through_others() -> None:
    graph = top_level_graph()
    cycles = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append(" -> ".join([*path[path.index(module) :], module]))
            return
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])
    assert cycles == []


def test_every_package_has_a_floor_and_imports_point_down() -> None:
    graph = top_level_graph()
    homeless = [m for m in graph if m != "shared" and floor(m) is None]
    upward = [
        f"{module} imports {imported}"
        for module, imports in graph.items()
        for imported in imports
        if (floor(module) or 0) < (floor(imported) or 0)
    ]
    assert homeless == []
    assert upward == []


def test_sql_modules_import_nothing_above_them() -> None:
    sql_modules = {m: imports for m, imports in top_level_graph().items() if is_sql(m)}
    assert {"shared.core.sql", "shared.appeals.sql", "shared.auth.sessions_sql"} <= set(sql_modules)
    offenders = [
        f"{module} imports {imported}"
        for module, imports in sorted(sql_modules.items())
        for imported in sorted(imports)
        if not (imported in SQL_MAY_IMPORT or is_sql(imported))
    ]
    assert offenders == []


def test_no_import_hides_inside_a_function_but_the_commented_cold_start_ones() -> None:
    found = set()
    for path in sorted(SHARED.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for module in shared_imports(func):
                    found.add((str(path.relative_to(ROOT)), module))
    assert found == LAZY_FOR_COLD_START


def test_package_inits_stay_light() -> None:
    heavy = [
        str(path.relative_to(ROOT))
        for path in sorted(SHARED.rglob("__init__.py"))
        if path.parent.name not in ("shared", "push") and len(ast.parse(path.read_text()).body) != 1
    ]
    assert heavy == []


def test_the_layer_ships_no_operator_tooling() -> None:
    assert not (SHARED / "admin.py").exists()
    assert not (SHARED / "admin_telegram.py").exists()
    source = (SHARED / "core" / "migrations.py").read_text()
    assert "argparse" not in source and "def main(" not in source


PLATFORMS = ("shared.channels.telegram", "shared.channels.vk", "shared.channels.max")


def test_only_a_channels_own_package_knows_its_platform() -> None:
    """The rest of the code talks to clients through ``shared.channels.base`` and the registry,
    which imports a platform's package by name on first use."""
    outside = [
        f"{module} imports {imported}"
        for module, imports in top_level_graph().items()
        for imported in sorted(imports)
        if imported.startswith(PLATFORMS) and not module.startswith(".".join(imported.split(".")[:3]))
    ]
    assert outside == []
