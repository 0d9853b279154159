"""The benchmark's own pieces: percentiles, the round-trip counter, the import-cost parser."""

from __future__ import annotations

import pytest

from bench.coldstart import ROOT, _summary, top_imports
from bench.measure import RoundTrips, percentile, timed
from devtools.gateway import template_environment
from shared.core import db

TEMPLATE = ROOT / "template.yaml"


def test_percentiles() -> None:
    samples = [float(x) for x in range(1, 101)]
    assert percentile(samples, 50) == 51.0 and percentile(samples, 99) == 99.0 and percentile([3.0], 99) == 3.0


@pytest.mark.integration
def test_round_trips_count_statements_and_transaction_brackets(database_url: str) -> None:
    counter = RoundTrips()
    with counter.counting():
        db.run(lambda conn: conn.execute("SELECT 1").fetchone())
        db.run(lambda conn: [conn.execute("SELECT 1"), conn.execute("SELECT 2")], transaction=True)
    assert counter.count == 1 + (2 + 2)
    figure = timed("select", lambda i: db.run(lambda conn: conn.execute("SELECT 1").fetchone()), runs=10, warmup=1)
    assert figure.round_trips == 1 and figure.runs == 10 and figure.p99_ms >= figure.p50_ms


def test_import_costs_are_own_times_summed_per_top_level_package() -> None:
    trace = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:      9000 |       9000 |     psycopg.pq",
            "import time:      2000 |      11000 |   psycopg",
            "import time:      5000 |       5000 |     pydantic.main",
            "import time:      1000 |      17000 | shared.core.db",
        ]
    )
    assert top_imports(trace) == ["psycopg 11ms", "pydantic 5ms", "shared 1ms"]


def test_a_cold_start_child_gets_the_environment_template_yaml_gives_its_function() -> None:
    every = template_environment(TEMPLATE, None)
    assert every["PYDANTIC_DISABLE_PLUGINS"] == "__all__" and every["POWERTOOLS_SERVICE_NAME"] == "batterycrm"
    assert "DATABASE_SECRET_ARN" not in every  # a stack parameter: not known outside the stack
    assert template_environment(TEMPLATE, "session_status") == every
    webhook = template_environment(TEMPLATE, "telegram_webhook")
    assert webhook.items() >= every.items() and "TELEGRAM_API_BASE_URL" not in webhook


def test_cold_start_is_judged_on_each_rounds_difference_not_on_one_quick_floor_sample() -> None:
    # (wall ms, CPU ms) per round; the floor's third round is unusually quick
    floor = [(250.0, 250.0), (251.0, 251.0), (235.0, 235.0), (252.0, 252.0), (250.0, 250.0)]
    function = [(270.0, 270.0), (271.0, 271.0), (262.0, 262.0), (272.0, 272.0), (270.0, 270.0)]
    judged = _summary(function, floor, judged=True)
    assert judged["cpu_paired_median_ms"] == 20.0
    assert judged["cpu_min_ms"] == 27.0  # lowest minus lowest: the quick floor sample moves it
    assert judged["met"] is True
    over = _summary([(w + 6, c + 6) for w, c in function], floor, judged=True)
    assert over["cpu_paired_median_ms"] == 26.0 and over["met"] is False
    assert _summary(function, floor, judged=False)["met"] is None  # a first invocation: for information
