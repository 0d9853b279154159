"""Where the database and third-party credentials come from: the environment locally,
Secrets Manager in AWS (cached across warm invocations by Powertools)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shared.core import tracing
from shared.core.settings import get_settings


def secret_value(secret_id: str) -> str:
    """A Secrets Manager secret's string, cached for ``SECRETS_MAX_AGE_S``; boto3 loads only here."""
    from aws_lambda_powertools.utilities import parameters

    with tracing.span("secretsmanager"):
        value = parameters.get_secret(secret_id, max_age=get_settings().secrets_max_age_s)
    return value if isinstance(value, str) else value.decode()


def database_url() -> str:
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    if settings.database_secret_arn:
        return url_from_secret(secret_value(settings.database_secret_arn))
    raise RuntimeError("Set DATABASE_URL or DATABASE_SECRET_ARN")


def url_from_secret(raw: str) -> str:
    """Accepts a plain URL or conninfo string, ``{"url": ...}``, or the RDS-managed secret shape."""
    if not raw.lstrip().startswith("{"):
        return raw.strip()
    data = json.loads(raw)
    if "url" in data:
        return str(data["url"])
    user, password = quote(data["username"], safe=""), quote(data["password"], safe="")
    host = data["host"]
    port = data.get("port", 5432)
    dbname = data.get("dbname", "postgres")
    return f"postgresql://{user}:{password}@{host}:{port}/{dbname}"


def firebase_service_account() -> dict[str, Any] | None:
    """The Firebase service-account JSON: from Secrets Manager in AWS, from a file locally, or
    None when neither is configured (``make run`` then logs pushes instead of sending them)."""
    settings = get_settings()
    if settings.firebase_credentials_secret_arn:
        raw = secret_value(settings.firebase_credentials_secret_arn)
    elif settings.firebase_credentials_file:
        raw = Path(settings.firebase_credentials_file).read_text()
    else:
        return None
    info: dict[str, Any] = json.loads(raw)
    return info
