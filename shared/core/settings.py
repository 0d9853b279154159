"""Settings: one frozen object, read from the environment and validated once per container.

Nothing else in the project reads ``os.environ``; tests that change a setting call ``reset()``.

A plain class with a table of bounds, validated by pydantic-core from a core schema, rather than a
pydantic model: the model's schema generation cost ~7 ms of every function's cold start, and an
environment of strings needs only int, float, bool and str. Values parse as the model parsed them
(pydantic's lax mode: ``5_000`` as an int; ``true``/``on``/``1``... as a bool)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic_core import SchemaValidator, ValidationError, core_schema

DeviceType = Literal["mobile", "desktop"]
OperatorRole = Literal["operator", "owner"]  # owners also see the reports

DAY = 86_400
HOUR = 3_600


class Settings:
    """Each attribute is read from the environment variable of its name in upper case."""

    database_url: str | None = None
    database_secret_arn: str | None = None  # Secrets Manager secret with the database URL
    app_database_secret_arn: str | None = None  # migrate: the app's secret, whose user it grants (sql/0015)
    database_pooler: bool = False  # RDS Proxy / PgBouncer in front: no prepared statements
    db_statement_timeout_ms: int = 5_000
    db_connect_timeout_s: int = 3

    mobile_idle_seconds: int = 30 * DAY
    mobile_absolute_seconds: int = 90 * DAY
    desktop_idle_seconds: int = 12 * HOUR
    desktop_absolute_seconds: int = 7 * DAY
    session_touch_seconds: int = 60  # last_active_at is refreshed at most this often

    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19_456
    argon2_parallelism: int = 1

    max_body_bytes: int = 64 * 1024
    aws_region: str | None = None
    aws_lambda_function_name: str | None = None  # set by Lambda: not local development
    # Whether X-Ray tracing runs (shared/core/tracing.py), decided as Powertools Tracer decides:
    lambda_task_root: str | None = None  # set by Lambda
    powertools_trace_disabled: bool = False  # the stack's Tracing parameter
    aws_sam_local: bool = False  # set by `sam local`
    secrets_max_age_s: int = 300
    channel_accounts_max_age_s: int = 60  # a webhook's cached channel account is read again after this

    # --- Telegram channel ---
    telegram_api_base_url: str = "https://api.telegram.org"  # Bot API base URL (a fake in tests)
    telegram_dry_run: bool = False  # log outgoing messages and mark them sent instead of sending
    telegram_connect_timeout_s: float = 2.0
    telegram_timeout_s: float = 5.0  # read/write timeout of a Bot API call
    telegram_max_wait_s: float = 3.0  # a 429 whose retry_after is at most this is waited out and sent once more
    reopen_window_hours: int = 72  # a client writing this soon after a close reopens it

    # --- VK channel (community messages) ---
    vk_api_base_url: str = "https://api.vk.com"  # VK API base URL (a fake in tests)
    vk_api_version: str = "5.199"
    vk_flood_wait_s: float = 1.0  # the wait before the one retry of a VK flood-control error (6, 9)

    # --- MAX channel (the bot's dialogs) ---
    max_api_base_url: str = "https://platform-api2.max.ru"  # MAX Bot API base URL (a fake in tests)

    # --- reports ---
    first_response_target_s: int = 600  # the reports' "answered within" target for a first response

    # --- login throttling, session cleanup ---
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_window_seconds: int = 900
    cleanup_batch_size: int = 1_000
    session_history_retention_days: int = 90
    login_attempts_retention_days: int = 7
    push_outbox_retention_days: int = 7
    media_jobs_retention_days: int = 7  # finished media download jobs
    telegram_updates_retention_days: int = 3  # every channel's delivery ids (channel_updates)

    # --- push (FCM) ---
    # The dispatcher Lambda to kick (async invoke) after a commit that queued pushes
    push_dispatcher_function_name: str | None = None
    # Send FCM HTTP v1 requests here instead of Google (a fake FCM); no credentials needed
    fcm_api_base_url: str | None = None
    firebase_project_id: str = "batterycrm-local"  # Project id used with FCM_API_BASE_URL
    # Secrets Manager secret holding the Firebase service-account JSON
    firebase_credentials_secret_arn: str | None = None
    firebase_credentials_file: str | None = None  # Service-account JSON file (local runs)
    push_max_attempts: int = 8  # Sends per row before it is kept as dead
    push_backoff_base_s: float = 5.0  # First retry delay; doubles per attempt, jittered
    push_backoff_max_s: float = 3_600.0
    push_lease_s: int = 180  # A claimed row is re-sent after this if never marked
    push_batch_size: int = 500  # Messages claimed and sent at once (one FCM request each)
    push_http_timeout_s: float = 10.0
    push_time_margin_ms: int = 30_000  # Stop claiming when less Lambda time is left

    # --- media (incoming files, operator uploads) and their download jobs ---
    media_bucket: str | None = None  # S3 bucket of the media store; unset: the local folder
    media_local_dir: str = ".local/media"  # The local media store's folder (make run, tests)
    media_local_base_url: str = "http://127.0.0.1:3000"  # Where the local gateway serves the local store's signed URLs
    media_signing_key: str | None = None  # HMAC key of local signed URLs (default: per process)
    media_url_ttl_s: int = 900  # Lifetime of a signed media GET/PUT URL
    media_max_bytes: int = 20 * 1024 * 1024  # Telegram's getFile limit; uploads too
    media_worker_function_name: str | None = None  # The media worker Lambda to kick after commit
    media_max_attempts: int = 6  # Download attempts before an attachment is failed
    media_backoff_base_s: float = 5.0
    media_backoff_max_s: float = 900.0
    media_lease_s: int = 300  # A claimed download is retried after this if never marked
    media_batch_size: int = 10
    media_time_margin_ms: int = 60_000

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only")

    def idle_lifetime(self, device_type: DeviceType) -> timedelta:
        seconds = self.mobile_idle_seconds if device_type == "mobile" else self.desktop_idle_seconds
        return timedelta(seconds=seconds)

    def absolute_lifetime(self, device_type: DeviceType) -> timedelta:
        seconds = self.mobile_absolute_seconds if device_type == "mobile" else self.desktop_absolute_seconds
        return timedelta(seconds=seconds)


# Bounds of the numeric settings (inclusive, but ABOVE: strictly more than).
AT_LEAST: dict[str, float] = {
    "db_statement_timeout_ms": 100,
    "db_connect_timeout_s": 1,
    "mobile_idle_seconds": 60,
    "mobile_absolute_seconds": 60,
    "desktop_idle_seconds": 60,
    "desktop_absolute_seconds": 60,
    "session_touch_seconds": 0,
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8,
    "argon2_parallelism": 1,
    "max_body_bytes": 1024,
    "telegram_max_wait_s": 0,
    "vk_flood_wait_s": 0,
    "reopen_window_hours": 0,
    "first_response_target_s": 1,
    "login_max_failures_per_account": 1,
    "login_max_failures_per_ip": 1,
    "login_window_seconds": 1,
    "cleanup_batch_size": 1,
    "session_history_retention_days": 1,
    "login_attempts_retention_days": 1,
    "push_outbox_retention_days": 1,
    "media_jobs_retention_days": 1,
    "telegram_updates_retention_days": 2,
    "push_max_attempts": 1,
    "push_lease_s": 1,
    "push_batch_size": 1,
    "push_time_margin_ms": 0,
    "media_url_ttl_s": 300,
    "media_max_bytes": 1,
    "media_max_attempts": 1,
    "media_lease_s": 1,
    "media_batch_size": 1,
    "media_time_margin_ms": 0,
}
ABOVE: dict[str, float] = {
    "telegram_connect_timeout_s": 0,
    "telegram_timeout_s": 0,
    "push_backoff_base_s": 0,
    "push_backoff_max_s": 0,
    "push_http_timeout_s": 0,
    "media_backoff_base_s": 0,
    "media_backoff_max_s": 0,
}
AT_MOST: dict[str, float] = {
    "cleanup_batch_size": 50_000,
    "push_batch_size": 500,
    "media_batch_size": 100,
}

# An annotation of Settings (a string, under ``from __future__ import annotations``): its core schema.
_SCHEMAS: dict[str, Callable[..., core_schema.CoreSchema]] = {
    "str": core_schema.str_schema,
    "str | None": core_schema.str_schema,
    "int": core_schema.int_schema,
    "float": core_schema.float_schema,
    "bool": core_schema.bool_schema,
}


class InvalidSettings(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"invalid setting(s): {', '.join(names)}")
        self.names = names


@lru_cache(maxsize=1)
def _validator() -> SchemaValidator:
    """pydantic-core's validator of the variables, by their upper-case names: its lax parsing of
    strings (``5_000`` as an int; ``true``/``on``/``1``... as a bool) and the bounds above. Built
    from a core schema directly (~0.3 ms), not through a model's schema generation (~7 ms)."""
    unknown = sorted({*AT_LEAST, *ABOVE, *AT_MOST} - set(Settings.__annotations__))
    if unknown:  # a misspelt bound would otherwise be silently dropped
        raise RuntimeError(f"bounds for settings that do not exist: {', '.join(unknown)}")
    fields = {}
    for name, annotation in Settings.__annotations__.items():
        limits = (("ge", AT_LEAST), ("gt", ABOVE), ("le", AT_MOST))
        bounds = {limit: table[name] for limit, table in limits if name in table}
        fields[name.upper()] = core_schema.typed_dict_field(_SCHEMAS[annotation](**bounds), required=False)
    return SchemaValidator(core_schema.typed_dict_schema(fields, extra_behavior="ignore"))


def load(environ: Mapping[str, str]) -> Settings:
    """The settings from ``environ``; ``InvalidSettings`` naming every malformed or out-of-range one."""
    present = {name.upper(): environ[name.upper()] for name in Settings.__annotations__ if name.upper() in environ}
    try:
        values = _validator().validate_python(present)
    except ValidationError as exc:
        raise InvalidSettings(list(dict.fromkeys(str(error["loc"][0]) for error in exc.errors()))) from None
    return Settings(**{name.lower(): value for name, value in values.items()})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The container's settings, validated on first use (at cold start)."""
    return load(os.environ)


def check_at_cold_start(*, database: bool = True) -> None:
    """In Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set), validate the settings once, during the
    function's init, so a misconfigured function fails its init with a message naming the setting
    instead of answering its first request with a 500. Local tools (OpenAPI, the gateway) skip it."""
    if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        return
    try:
        settings = get_settings()
    except InvalidSettings as exc:
        raise RuntimeError(str(exc)) from None
    if database and not (settings.database_url or settings.database_secret_arn):
        raise RuntimeError("no database configured: set DATABASE_URL or DATABASE_SECRET_ARN")


def reset() -> None:
    """Forget the cached settings (tests, after changing the environment)."""
    get_settings.cache_clear()
