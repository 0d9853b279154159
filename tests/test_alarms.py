"""The alarms in template.yaml watch metrics the code really emits, with the dimensions it emits
them with, and each one notifies the alarm topic; docs/operations.md documents every one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.test_template import template

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "Api5xxRateAlarm",
    "DeadPushesAlarm",
    "MediaJobsDeadAlarm",
    "JobBacklogAgeAlarm",
    "TelegramWebhookErrorsAlarm",
    "TelegramWebhookRejectedAlarm",
    "FailedRunsAlarm",
    "DatabaseConnectionsAlarm",
    "DatabaseCpuAlarm",
}


def alarms() -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template()["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def watched(props: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (namespace, metric, dimensions) an alarm reads, plain or in metric math."""
    if "MetricName" in props:
        return [{"Namespace": props["Namespace"], "MetricName": props["MetricName"], "Dimensions": props["Dimensions"]}]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


def test_the_on_call_alarms_exist_and_notify_the_topic() -> None:
    found = alarms()
    per_function = {name for name in found if name.endswith("FailuresAlarm")}  # tests/test_template.py: one each
    assert set(found) - per_function == EXPECTED
    for props in found.values():
        assert props["AlarmActions"] == props["OKActions"] == [None]  # !Ref AlarmTopic (tags read as None)
        assert props["AlarmName"] is None  # !Sub "${AWS::StackName}-..."


def test_alarms_read_metrics_the_code_emits_with_its_dimensions() -> None:
    source = (ROOT / "shared" / "core" / "metrics.py").read_text()
    emitted = set(re.findall(r'"([A-Z][A-Za-z]+)"', source))
    for props in alarms().values():
        for metric in watched(props):
            if metric["Namespace"] != "BatteryCRM":
                continue
            assert metric["MetricName"] in emitted, metric
            dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            assert dims.get("service") == "batterycrm", metric
            assert set(dims) <= {"service", "route", "kind"}
            if "route" in dims:
                assert dims["route"] in routes(), dims["route"]


def routes() -> set[str]:
    """API Gateway's route keys, e.g. ``POST /webhook/telegram/{tenant_slug}``."""
    keys = set()
    for resource in template()["Resources"].values():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                keys.add(f"{event['Properties']['Method']} {event['Properties']['Path']}")
    return keys


def test_every_alarm_is_documented() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    for props_name in EXPECTED:
        assert f"`{props_name}`" in doc, props_name
