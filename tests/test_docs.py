"""The project's own documentation: links that resolve, no files it does not have, and the
generated part of docs/api.md in step with docs/openapi.json."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "events" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_relative_link_points_at_a_file_of_the_repository() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target:
                found = (page.parent / target).exists() or Path(target).name in ELSEWHERE
                assert found, f"{page.relative_to(ROOT)} links to missing {target}"


def test_no_page_refers_to_design_notes_outside_the_repository() -> None:
    for page in PAGES:
        text = page.read_text()
        assert "../shared/" not in text, page
        for name in ("API.md", "DESIGN.md", "STYLE.md"):
            assert not re.search(rf"(?<![\w/]){re.escape(name)}", text), f"{page.relative_to(ROOT)} mentions {name}"


def test_the_readme_points_to_the_docs_invoke_and_deploy_guide() -> None:
    readme = (ROOT / "README.md").read_text()
    for needle in ("docs/api.md", "docs/architecture.md", "docs/deploy.md", "make invoke", "/docs"):
        assert needle in readme, needle


def test_the_architecture_has_a_diagram() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    assert "```mermaid" in text
    for part in ("Lambda", "layer", "PostgreSQL", "push_dispatcher", "S3", "Firebase", "Telegram"):
        assert part in text, part


def test_the_api_reference_is_generated_from_the_current_spec() -> None:
    from devtools import api_doc

    assert (ROOT / "docs" / "api.md").read_text() == api_doc.render(), (
        "run `.venv/bin/python -m devtools.api_doc` (after `python -m devtools.openapi`)"
    )


# Pages other branches write: linked from the README before they are merged.
ELSEWHERE = {"deploy.md", "capacity.md", "security.md", "channels.md", "reports.md", "console.md"}
CONFIGURATION = ROOT / "docs" / "configuration.md"
TOP = ("shared", "functions", "devtools", "tests", "bench", "ops", "sql", "console", "docs", "events", "layer", ".ci")


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for page in ("tutorial", "architecture", "configuration", "performance", *(n[:-3] for n in ELSEWHERE)):
        assert f"(docs/{page}.md)" in readme, page
    assert "/console/" in readme and "n8n" in readme


def test_every_path_a_page_names_exists() -> None:
    """A path or module in backticks (`shared/core/db.py`, `shared.core.db`) is one the repository has."""
    for page in PAGES:
        for name in re.findall(r"`([^`\s]+)`", page.read_text()):
            if any(mark in name for mark in "<>*{}$") or "NNNN" in name:
                continue
            if name.split("/")[0] in TOP and "/" in name:
                path = ROOT / name.rstrip("/").split(":")[0]
            elif re.fullmatch(r"shared(\.\w+)+", name):
                assert module_has(name), f"{page.relative_to(ROOT)} names missing {name}"
                continue
            else:
                continue
            assert path.exists() or path.name in ELSEWHERE, f"{page.relative_to(ROOT)} names missing {name}"


def module_has(dotted: str) -> bool:
    """``shared.core.db`` is a module or package of the layer; ``shared.core.db.run`` one with ``run`` in it."""
    parts = dotted.split(".")
    for end in range(len(parts), 1, -1):
        path = ROOT.joinpath(*parts[:end])
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if source.exists():
            rest = parts[end:]
            if not rest:
                return True
            defined = rf"^(?:async def |def |class )?{re.escape(rest[0])}\b"
            return len(rest) == 1 and re.search(defined, source.read_text(), re.M) is not None
    return False


def read_from_the_environment() -> set[str]:
    """Every variable the code reads: the settings, each constant name looked up in ``os.environ``
    (``get``, ``[...]``, ``in``, ``setdefault``, ``getenv``) by the functions, the tools, the bench and
    the tests, and every variable template.yaml gives the functions."""
    from shared.core.settings import Settings

    names = {name.upper() for name in Settings.__annotations__}
    for folder in ("shared", "functions", "devtools", "ops", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names |= environment_lookups(node)
    template = (ROOT / "template.yaml").read_text()
    for block in re.findall(r"^( +)Variables:\n((?:\1 +.*\n)+)", template, re.M):
        names |= set(re.findall(r"^ +([A-Z][A-Z0-9_]+):", block[1], re.M))
    return names


def environment_lookups(node: ast.AST) -> set[str]:
    def is_environ(value: ast.AST) -> bool:
        return isinstance(value, ast.Attribute) and value.attr == "environ"

    def constant(value: ast.AST) -> set[str]:
        return {value.value} if isinstance(value, ast.Constant) and isinstance(value.value, str) else set()

    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        lookup = node.func.attr == "getenv" or (node.func.attr in ("get", "setdefault") and is_environ(node.func.value))
        return constant(node.args[0]) if lookup else set()
    if isinstance(node, ast.Subscript) and is_environ(node.value) and isinstance(node.ctx, ast.Load):
        return constant(node.slice)
    if isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
        return constant(node.left)
    return set()


def configuration_table() -> set[str]:
    rows = [line for line in CONFIGURATION.read_text().splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_configuration_table_has_every_variable_the_code_reads_and_no_other() -> None:
    read, documented = read_from_the_environment(), configuration_table()
    assert not read - documented, f"add to docs/configuration.md's table: {sorted(read - documented)}"
    assert not documented - read, f"nothing reads these any more: {sorted(documented - read)}"


def test_the_environment_scan_sees_every_kind_of_lookup() -> None:
    code = (
        'os.environ.get("A"); os.environ["B"]; "C" in os.environ; os.environ.setdefault("D", "1"); os.getenv("E")\n'
        'os.environ["NOT_READ"] = "1"; other.get("NOT_ENVIRON")'
    )
    found = set().union(*(environment_lookups(node) for node in ast.walk(ast.parse(code))))
    assert found == {"A", "B", "C", "D", "E"}
