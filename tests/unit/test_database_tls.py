"""TLS to the database: a database that is not on this machine is verified against the RDS
certificate authorities shipped in the layer (verify-full: the server's certificate must chain to
them and name the host); a local one, or a URL that chooses its own sslmode, is left as it is."""

from __future__ import annotations

import json
import ssl
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from shared.core import secret_values

RDS = "batterycrm.abc123xyz.eu-central-1.rds.amazonaws.com"


def test_a_remote_database_is_verified_against_the_rds_certificate_authorities() -> None:
    params = conninfo_to_dict(secret_values.with_tls(f"postgresql://app:s3cret@{RDS}:5432/batterycrm"))
    assert params["sslmode"] == "verify-full" and params["host"] == RDS and params["password"] == "s3cret"
    assert params["sslrootcert"] == str(secret_values.RDS_CA_BUNDLE)
    context = ssl.create_default_context(cafile=secret_values.RDS_CA_BUNDLE)  # the bundle parses as CAs
    subjects = [str(ca["subject"]) for ca in context.get_ca_certs()]
    assert len(subjects) >= 100
    for region_root in ("Amazon RDS eu-central-1 Root CA RSA2048 G1", "Amazon RDS eu-central-1 Root CA ECC384 G1"):
        assert any(f"'commonName', '{region_root}'" in subject for subject in subjects), region_root
    assert secret_values.RDS_CA_BUNDLE.parent.name == "core"  # shared/core/: the layer carries it with the code


def test_local_databases_and_an_explicit_sslmode_are_left_alone() -> None:
    for url in (
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "postgresql://postgres@localhost/postgres",
        "postgresql://postgres@[::1]:5432/postgres",
        "host=/var/run/postgresql dbname=postgres",
        "dbname=postgres",
        f"postgresql://app@{RDS}/batterycrm?sslmode=require",
    ):
        assert secret_values.with_tls(url) == url


def test_the_url_from_the_rds_secret_shape_gets_tls_too(configure: Any) -> None:
    secret = json.dumps({"username": "app", "password": "p@ss/word", "host": RDS, "port": 5432, "dbname": "crm"})
    configure(database_url=secret_values.url_from_secret(secret))
    params = conninfo_to_dict(secret_values.database_url())
    assert (params["sslmode"], params["user"], params["password"], params["dbname"]) == (
        "verify-full",
        "app",
        "p@ss/word",
        "crm",
    )
    configure(database_url="pending")  # the first deploy of a new network: no database yet, nothing to parse
    assert secret_values.database_url() == "pending"
