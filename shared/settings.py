"""Settings: one pydantic model, read from the environment once per container.

Nothing else in the project reads ``os.environ``; tests that change a setting call ``reset()``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DeviceType = Literal["mobile", "desktop"]

DAY = 86_400
HOUR = 3_600


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    database_url: str | None = None
    database_secret_arn: str | None = Field(None, description="Secrets Manager secret with the database URL")
    database_pooler: bool = Field(False, description="RDS Proxy / PgBouncer in front: no prepared statements")
    db_statement_timeout_ms: int = Field(5_000, ge=100)
    db_connect_timeout_s: int = Field(3, ge=1)

    mobile_idle_seconds: int = Field(30 * DAY, ge=60)
    mobile_absolute_seconds: int = Field(90 * DAY, ge=60)
    desktop_idle_seconds: int = Field(12 * HOUR, ge=60)
    desktop_absolute_seconds: int = Field(7 * DAY, ge=60)
    session_touch_seconds: int = Field(60, ge=0, description="last_active_at is refreshed at most this often")

    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19_456, ge=8)
    argon2_parallelism: int = Field(1, ge=1)

    max_body_bytes: int = Field(64 * 1024, ge=1024)
    aws_region: str | None = None
    aws_lambda_function_name: str | None = Field(None, description="set by Lambda: not local development")
    secrets_max_age_s: int = 300

    # --- Telegram channel ---
    telegram_api_base_url: str = Field("https://api.telegram.org", description="Bot API base URL (a fake in tests)")
    telegram_dry_run: bool = Field(False, description="log outgoing messages and mark them sent instead of sending")
    telegram_connect_timeout_s: float = Field(2.0, gt=0)
    telegram_timeout_s: float = Field(5.0, gt=0, description="read/write timeout of a Bot API call")
    telegram_max_wait_s: float = Field(
        3.0, ge=0, description="a 429 whose retry_after is at most this is waited out and sent once more"
    )
    reopen_window_hours: int = Field(72, ge=0, description="a client writing this soon after a close reopens it")

    # --- login throttling, session cleanup ---
    login_max_failures_per_account: int = Field(5, ge=1)
    login_max_failures_per_ip: int = Field(30, ge=1)
    login_window_seconds: int = Field(900, ge=1)
    cleanup_batch_size: int = Field(1_000, ge=1, le=50_000)
    session_history_retention_days: int = Field(90, ge=1)
    login_attempts_retention_days: int = Field(7, ge=1)
    push_outbox_retention_days: int = Field(7, ge=1)
    telegram_updates_retention_days: int = Field(3, ge=2)

    # --- push (FCM) ---
    push_dispatcher_function_name: str | None = Field(
        None, description="The dispatcher Lambda to kick (async invoke) after a commit that queued pushes"
    )
    fcm_api_base_url: str | None = Field(
        None, description="Send FCM HTTP v1 requests here instead of Google (a fake FCM); no credentials needed"
    )
    firebase_project_id: str = Field("batterycrm-local", description="Project id used with FCM_API_BASE_URL")
    firebase_credentials_secret_arn: str | None = Field(
        None, description="Secrets Manager secret holding the Firebase service-account JSON"
    )
    firebase_credentials_file: str | None = Field(None, description="Service-account JSON file (local runs)")
    push_max_attempts: int = Field(8, ge=1, description="Sends per row before it is kept as dead")
    push_backoff_base_s: float = Field(5.0, gt=0, description="First retry delay; doubles per attempt, jittered")
    push_backoff_max_s: float = Field(3_600.0, gt=0)
    push_lease_s: int = Field(180, ge=1, description="A claimed row is re-sent after this if never marked")
    push_batch_size: int = Field(500, ge=1, le=500, description="Messages per firebase-admin send_each call")
    push_http_timeout_s: float = Field(10.0, gt=0)
    push_time_margin_ms: int = Field(30_000, ge=0, description="Stop claiming when less Lambda time is left")

    # --- media (incoming files, operator uploads) and their download jobs ---
    media_bucket: str | None = Field(None, description="S3 bucket of the media store; unset: the local folder")
    media_local_dir: str = Field(".local/media", description="The local media store's folder (make run, tests)")
    media_local_base_url: str = Field(
        "http://127.0.0.1:3000", description="Where the local gateway serves the local store's signed URLs"
    )
    media_signing_key: str | None = Field(None, description="HMAC key of local signed URLs (default: per process)")
    media_url_ttl_s: int = Field(900, ge=300, description="Lifetime of a signed media GET/PUT URL")
    media_max_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Telegram's getFile limit; uploads too")
    media_worker_function_name: str | None = Field(None, description="The media worker Lambda to kick after commit")
    media_max_attempts: int = Field(6, ge=1, description="Download attempts before an attachment is failed")
    media_backoff_base_s: float = Field(5.0, gt=0)
    media_backoff_max_s: float = Field(900.0, gt=0)
    media_lease_s: int = Field(300, ge=1, description="A claimed download is retried after this if never marked")
    media_batch_size: int = Field(10, ge=1, le=100)
    media_time_margin_ms: int = Field(60_000, ge=0)

    def idle_lifetime(self, device_type: DeviceType) -> timedelta:
        seconds = self.mobile_idle_seconds if device_type == "mobile" else self.desktop_idle_seconds
        return timedelta(seconds=seconds)

    def absolute_lifetime(self, device_type: DeviceType) -> timedelta:
        seconds = self.mobile_absolute_seconds if device_type == "mobile" else self.desktop_absolute_seconds
        return timedelta(seconds=seconds)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The container's settings, validated on first use (at cold start)."""
    fields = Settings.model_fields
    values = {name: os.environ[name.upper()] for name in fields if name.upper() in os.environ}
    if "aws_region" not in values and "AWS_REGION" in os.environ:
        values["aws_region"] = os.environ["AWS_REGION"]
    return Settings.model_validate(values)


def check_at_cold_start(*, database: bool = True) -> None:
    """In Lambda (``AWS_LAMBDA_FUNCTION_NAME`` is set), validate the settings once, during the
    function's init, so a misconfigured function fails its init with a message naming the setting
    instead of answering its first request with a 500. Local tools (OpenAPI, the gateway) skip it."""
    if "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        return
    try:
        settings = get_settings()
    except ValidationError as exc:
        names = ", ".join(dict.fromkeys(str(e["loc"][0]).upper() for e in exc.errors() if e["loc"]))
        raise RuntimeError(f"invalid setting(s): {names}") from None
    if database and not (settings.database_url or settings.database_secret_arn):
        raise RuntimeError("no database configured: set DATABASE_URL or DATABASE_SECRET_ARN")


def reset() -> None:
    """Forget the cached settings (tests, after changing the environment)."""
    get_settings.cache_clear()
