"""Settings come from the environment's strings, parsed and bounded by pydantic-core: what a
deployment's configuration may say, and what it may not."""

from __future__ import annotations

import pytest

from shared.core.settings import InvalidSettings, load


def test_unset_variables_take_their_defaults_and_others_are_ignored() -> None:
    settings = load({"PATH": "/usr/bin", "DATABASE_URL": "postgresql://db/x"})
    assert (settings.database_url, settings.max_body_bytes, settings.database_pooler) == (
        "postgresql://db/x",
        64 * 1024,
        False,
    )


@pytest.mark.parametrize(
    ("variable", "raw", "value"),
    [
        ("MAX_BODY_BYTES", "5_000", 5000),
        ("DATABASE_POOLER", "on", True),
        ("TELEGRAM_DRY_RUN", "0", False),
        ("TELEGRAM_TIMEOUT_S", "2.5", 2.5),
        ("SESSION_TOUCH_SECONDS", "0", 0),  # its bound is inclusive
    ],
)
def test_values_parse_as_pydantic_parses_strings(variable: str, raw: str, value: object) -> None:
    assert getattr(load({variable: raw}), variable.lower()) == value


def test_every_malformed_or_out_of_range_setting_is_named_at_once() -> None:
    with pytest.raises(InvalidSettings) as raised:
        load(
            {
                "DB_CONNECT_TIMEOUT_S": "0",
                "TELEGRAM_TIMEOUT_S": "0",
                "PUSH_BATCH_SIZE": "501",
                "DATABASE_POOLER": "maybe",
            }
        )
    assert raised.value.names == ["DATABASE_POOLER", "DB_CONNECT_TIMEOUT_S", "TELEGRAM_TIMEOUT_S", "PUSH_BATCH_SIZE"]


def test_settings_are_read_only() -> None:
    settings = load({})
    with pytest.raises(AttributeError):
        settings.max_body_bytes = 1


def test_a_bound_for_a_setting_that_does_not_exist_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.core import settings

    assert {*settings.AT_LEAST, *settings.ABOVE, *settings.AT_MOST} <= set(settings.Settings.__annotations__)
    settings._validator.cache_clear()
    monkeypatch.setitem(settings.AT_LEAST, "push_batch_sise", 1)  # a typo: the bound would silently not apply
    with pytest.raises(RuntimeError, match="push_batch_sise"):
        load({})
    monkeypatch.undo()
    settings._validator.cache_clear()
    assert load({"PUSH_BATCH_SIZE": "20"}).push_batch_size == 20


def test_tracing_is_decided_from_the_settings_as_powertools_decides() -> None:
    assert load({}).lambda_task_root is None
    traced = load({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true", "AWS_SAM_LOCAL": "true"})
    assert (traced.lambda_task_root, traced.powertools_trace_disabled, traced.aws_sam_local) == (
        "/var/task",
        True,
        True,
    )
    assert load({"MEDIA_JOBS_RETENTION_DAYS": "3"}).media_jobs_retention_days == 3
