"""template.yaml is the single source of truth for routes; keep it, functions/ and events/ in step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    return loaded


def functions() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template()["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_every_function_folder_is_deployed_and_has_a_sample_event() -> None:
    folders = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    deployed = {Path(f["Properties"]["CodeUri"]).name for f in functions().values()}
    assert folders == deployed
    for fn in functions().values():
        name = Path(fn["Properties"]["CodeUri"]).name
        event = json.loads((ROOT / "events" / f"{name}.json").read_text())
        kinds = {e["Type"] for e in fn["Properties"].get("Events", {}).values()}
        if "HttpApi" in kinds:
            assert event["version"] == "2.0" and event["requestContext"]["http"]["method"]
        elif kinds:  # scheduled: the EventBridge event shape
            assert kinds == {"ScheduleV2"} and event["detail-type"] == "Scheduled Event", name
        elif name == "migrate":  # invoked directly: by CloudFormation's custom resource, and by hand
            assert event == {"action": "status"}, name
        else:  # the admin function: an ops.admin command line (make admin-remote)
            assert name == "admin" and isinstance(event["args"], list), name


def test_each_sample_event_matches_its_functions_route() -> None:
    for fn in functions().values():
        name = Path(fn["Properties"]["CodeUri"]).name
        routes = [
            f"{e['Properties']['Method']} {e['Properties']['Path']}"
            for e in fn["Properties"].get("Events", {}).values()
            if e["Type"] == "HttpApi"
        ]
        routes = ["$default" if r == "ANY $default" else r for r in routes]  # API Gateway's key for it
        if routes:
            event = json.loads((ROOT / "events" / f"{name}.json").read_text())
            assert event["routeKey"] in routes, name


def test_the_layer_is_built_with_the_functions_runtime() -> None:
    t = template()
    layer = t["Resources"]["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == t["Globals"]["Function"]["Runtime"]
    assert layer["Properties"]["ContentUri"] == "layer/"
    assert (ROOT / "layer" / "shared" / "auth" / "sessions.py").exists()  # layer/shared -> ../shared


def test_the_checked_in_openapi_spec_is_up_to_date() -> None:
    from devtools import openapi

    assert (ROOT / "docs" / "openapi.json").read_text() == openapi.render(), "run `python -m devtools.openapi`"


def test_every_function_has_its_own_log_group_with_a_retention_and_runs_after_the_migrations() -> None:
    resources = template()["Resources"]
    for name, fn in functions().items():
        props = fn["Properties"]
        assert "LoggingConfig" in props, f"{name}: give it a log group (see docs/deploy.md)"
        # !Ref reads as None with the test's loader: the log group is found by its naming pattern
        group = resources.get(name.removesuffix("Function") + "Logs")
        assert group is not None and group["Type"] == "AWS::Logs::LogGroup", name
        assert "RetentionInDays" in group["Properties"], name
        if name != "MigrateFunction":
            assert fn.get("DependsOn") == "Migrations", f"{name}: the schema is migrated before new code runs"
    assert resources["Migrations"]["Type"] == "Custom::Migrations"


def test_every_function_folder_has_a_requirements_file() -> None:
    """An empty one is fine: without it `sam build` prints "requirements.txt file not found"."""
    for folder in (ROOT / "functions").iterdir():
        if (folder / "app.py").exists():
            assert (folder / "requirements.txt").exists(), folder.name


# Actions AWS does not let a policy scope to a resource (they only take "Resource": "*").
UNSCOPABLE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}


def test_no_function_policy_has_a_wildcard_action_or_an_unneeded_wildcard_resource() -> None:
    """checkov does not look inside SAM's inline policy statements: this does."""
    for name, fn in functions().items():
        for policy in fn["Properties"].get("Policies") or []:
            if not isinstance(policy, dict) or "Statement" not in policy:
                continue  # a SAM policy template: each names its resource (SecretArn, FunctionName...)
            for statement in policy["Statement"]:
                actions = statement.get("Action")
                actions = [actions] if isinstance(actions, str) else actions or []
                assert not [a for a in actions if "*" in a], f"{name}: name the actions, not {actions}"
                resources = statement.get("Resource")
                if resources == "*" or (isinstance(resources, list) and "*" in resources):
                    assert set(actions) <= UNSCOPABLE_ACTIONS, f"{name}: {actions} can name their resource"


def test_make_deploy_runs_without_questions_from_the_committed_samconfig() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert config["default"]["global"]["parameters"]["stack_name"]
    assert deploy["confirm_changeset"] is False and deploy["capabilities"] == "CAPABILITY_IAM"
    assert "parameter_overrides" not in deploy, "account-specific values are saved by `make deploy-guided`"
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndeploy: ", 1)[1].split("\n\n", 1)[0]
    assert "--guided" not in recipe and "--no-confirm-changeset" in recipe
    assert "samconfig.toml" not in (ROOT / ".gitignore").read_text()


def test_every_function_has_an_alarm_on_its_crashes_and_throttles() -> None:
    """A function that fails or is turned away tells someone (template.yaml's <Name>FailuresAlarm)."""
    resources = template()["Resources"]
    for name in functions():
        alarm = resources.get(name.removesuffix("Function") + "FailuresAlarm")
        assert alarm is not None and alarm["Type"] == "AWS::CloudWatch::Alarm", f"{name}: add its FailuresAlarm"
        watched = {
            m["MetricStat"]["Metric"]["MetricName"]: m["MetricStat"]["Metric"]["Namespace"]
            for m in alarm["Properties"]["Metrics"]
            if "MetricStat" in m
        }
        assert watched == {"Errors": "AWS/Lambda", "Throttles": "AWS/Lambda"}, name
        assert alarm["Properties"]["Threshold"] == 1 and alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_the_functions_run_python_3_13_on_arm64_from_globals_and_the_layer_matches() -> None:
    t = template()
    globals_ = t["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Architectures"], globals_["AutoPublishAlias"]) == (
        "python3.13",
        ["arm64"],
        "live",
    )
    layer = t["Resources"]["SharedLayer"]
    assert layer["Metadata"]["BuildArchitecture"] == "arm64" and layer["Properties"]["CompatibleArchitectures"] == [
        "arm64"
    ]
    for name, fn in functions().items():  # one place: a function that restated them could drift
        assert not {"Runtime", "Architectures", "AutoPublishAlias"} & set(fn["Properties"]) - (
            {"AutoPublishAlias"} if name == "MigrateFunction" else set()
        ), name


def test_off_the_request_path_functions_opt_out_of_snapstart() -> None:
    for name, fn in functions().items():
        routed = any(e["Type"] == "HttpApi" for e in fn["Properties"].get("Events", {}).values())
        opted_out = fn["Properties"].get("SnapStart") == {"ApplyOn": "None"}
        assert opted_out != routed, f"{name}: SnapStart is for the API functions ({'on' if routed else 'off'})"


def test_a_deployment_cannot_wait_longer_for_migrate_than_it_runs() -> None:
    resources = template()["Resources"]
    timeout = resources["MigrateFunction"]["Properties"]["Timeout"]
    assert resources["Migrations"]["Properties"]["ServiceTimeout"] == timeout <= 900


def test_every_throttled_route_is_a_route_of_the_api() -> None:
    routes = {
        f"{e['Properties']['Method']} {e['Properties']['Path']}"
        for fn in functions().values()
        for e in fn["Properties"].get("Events", {}).values()
        if e["Type"] == "HttpApi"
    }
    throttled = template()["Resources"]["HttpApi"]["Properties"]["RouteSettings"]
    assert {"POST /webhook/android/auth/login", "POST /webhook/telegram/{tenant_slug}"} <= set(throttled) <= routes


def test_scheduled_functions_send_their_failures_to_the_failed_runs_queue() -> None:
    for name, fn in functions().items():
        schedules = [e for e in fn["Properties"].get("Events", {}).values() if e["Type"] == "ScheduleV2"]
        if schedules:
            assert "OnFailure" in fn["Properties"]["EventInvokeConfig"]["DestinationConfig"], name
            assert all("DeadLetterConfig" in s["Properties"] and "Name" in s["Properties"] for s in schedules), name
