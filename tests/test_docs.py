"""The project's own documentation: links that resolve, no files it does not have, and the
generated part of docs/api.md in step with docs/openapi.json."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "events" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_relative_link_points_at_a_file_of_the_repository() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_no_page_refers_to_design_notes_outside_the_repository() -> None:
    for page in PAGES:
        text = page.read_text()
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
