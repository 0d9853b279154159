"""Where the database and third-party credentials come from: the environment locally,
Secrets Manager in AWS (cached across warm invocations by Powertools, and forgotten after a
SnapStart restore).

A database that is not on this machine is reached over TLS that verifies the server
(``sslmode=verify-full``) against the RDS certificate authorities shipped here
(``rds-ca-bundle.pem``, in the layer with the rest of ``shared``), unless the URL sets its own
``sslmode``."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shared.core import snapstart, tracing
from shared.core.settings import get_settings

RDS_CA_BUNDLE = Path(__file__).resolve().parent / "rds-ca-bundle.pem"
PENDING = "pending"  # a database secret's value before there is a database (docs/deploy.md, step 1)


def secret_value(secret_id: str) -> str:
    """A Secrets Manager secret's string, cached for ``SECRETS_MAX_AGE_S``; boto3 loads only here."""
    from aws_lambda_powertools.utilities import parameters

    with tracing.span("secretsmanager"):
        value = parameters.get_secret(secret_id, max_age=get_settings().secrets_max_age_s)
    return value if isinstance(value, str) else value.decode()


@snapstart.after_restore
def forget_cached_secrets() -> None:
    """Secrets read before a SnapStart snapshot are read again (their cache age counts from then)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]


def database_url() -> str:
    settings = get_settings()
    if settings.database_url:
        url = settings.database_url
    elif settings.database_secret_arn:
        url = url_from_secret(secret_value(settings.database_secret_arn))
    else:
        raise RuntimeError("Set DATABASE_URL or DATABASE_SECRET_ARN")
    return url if url == PENDING else with_tls(url)


def with_tls(conninfo: str) -> str:
    """``conninfo`` verifying the server's certificate against the RDS CAs when the database is not
    on this machine; as it is when local or when it names its own ``sslmode``."""
    params = conninfo_to_dict(conninfo)
    if "sslmode" in params or all(_is_local(host) for host in str(params.get("host") or "").split(",")):
        return conninfo
    return make_conninfo(conninfo, sslmode="verify-full", sslrootcert=str(RDS_CA_BUNDLE))


def _is_local(host: str) -> bool:
    if not host or host.startswith("/") or host == "localhost":  # no host or a socket directory: this machine
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


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


snapstart.register()
