"""`make bench-readme` rewrites docs/performance.md's figures from the last run; `make bench` stays quiet."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bench import readme
from devtools.gateway import Gateway

ROOT = Path(__file__).resolve().parent.parent
REPORT = {
    "date": "2026-11-23T05:00:00+00:00",
    "quick": False,
    "machine": {"cpu": "Test CPU", "cores": 2, "python": "3.11.7", "postgresql": "18.6"},
    "table": ["BatteryCRM bench - 2026-11-23 05:00 UTC", "floor: SELECT 1    0.050  ", "(took 1 s)"],
}


def test_the_section_between_the_markers_is_rewritten_and_nothing_else(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(f"# Title\n\nbefore\n\n{readme.START}\nold figures\n{readme.END}\n\nafter\n")
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(REPORT))
    assert readme.main(["--results", str(results), "--readme", str(page)]) == 0
    assert page.read_text() == (
        "# Title\n\nbefore\n\n<!-- bench:start -->\n"
        "Latest run: 2026-11-23, 2 cores (Test CPU), Python 3.11.7, PostgreSQL 18.6, "
        "written by `make bench-readme` from `bench/results/latest.json`:\n\n"
        "```\nBatteryCRM bench - 2026-11-23 05:00 UTC\nfloor: SELECT 1    0.050\n(took 1 s)\n```\n"
        "<!-- bench:end -->\n\nafter\n"
    )
    assert readme.main(["--results", str(results), "--readme", str(page)]) == 0  # idempotent
    assert page.read_text().count("BatteryCRM bench") == 1


def test_the_performance_page_shows_the_committed_results() -> None:
    report = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    assert readme.section(report) in (ROOT / "docs" / "performance.md").read_text()


def test_no_markers_or_no_results_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "README.md"
    page.write_text("# no markers\n")
    results = tmp_path / "latest.json"
    assert readme.main(["--results", str(results), "--readme", str(page)]) == 1
    assert "run `make bench` first" in capsys.readouterr().err
    results.write_text(json.dumps(REPORT))
    assert readme.main(["--results", str(results), "--readme", str(page)]) == 1
    assert "no <!-- bench:start -->" in capsys.readouterr().err and page.read_text() == "# no markers\n"


def test_the_benchmarks_gateway_writes_no_access_log(capfd: pytest.CaptureFixture[str]) -> None:
    base_url, stop = Gateway(ROOT / "template.yaml").start_background(port=0, access_log=False)
    try:
        assert httpx.get(f"{base_url}/no/such/route").status_code == 404
    finally:
        stop()
    assert "/no/such/route" not in capfd.readouterr().err
    base_url, stop = Gateway(ROOT / "template.yaml").start_background(port=0)
    try:
        httpx.get(f"{base_url}/no/such/route")
    finally:
        stop()
    assert "GET /no/such/route 404" in capfd.readouterr().err
