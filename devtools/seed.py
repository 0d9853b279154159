"""Demo data for `make run` and `make seed`: two tenants with operators (see DESIGN.md).

python -m devtools.seed            # load the demo data when the database has no tenants
python -m devtools.seed --reset    # wipe every tenant and load the demo data again
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from uuid import UUID

import psycopg

from shared import config, passwords


@dataclass(frozen=True)
class DemoOperator:
    login: str
    password: str
    name: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    webhook_secret: str
    operators: tuple[DemoOperator, ...]


DEMO_TENANTS = (
    DemoTenant(
        "demo",
        "Demo Battery Shop",
        "demo-telegram-secret",
        (
            DemoOperator("anna@demo.test", "demo-pass-anna", "Anna Petrova"),
            DemoOperator("boris@demo.test", "demo-pass-boris", "Boris Ivanov"),
        ),
    ),
    DemoTenant(
        "other",
        "Other Battery Shop",
        "other-telegram-secret",
        (DemoOperator("olga@other.test", "demo-pass-olga", "Olga Smirnova"),),
    ),
)


def has_tenants(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM tenants)").fetchone() == (True,)


def wipe(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
        )
    ]
    conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


def load(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, UUID]:
    """Insert the demo tenants and operators; returns tenant ids by slug."""
    tenant_ids: dict[str, UUID] = {}
    for tenant in DEMO_TENANTS:
        row = conn.execute(
            "INSERT INTO tenants (name, slug, phone_region, telegram_webhook_secret) VALUES (%s, %s, 'RU', %s) "
            "RETURNING id",
            (tenant.name, tenant.slug, tenant.webhook_secret),
        ).fetchone()
        assert row is not None
        tenant_id = UUID(str(row[0]))
        tenant_ids[tenant.slug] = tenant_id
        for op in tenant.operators:
            conn.execute(
                "INSERT INTO operators (tenant_id, login, name, password_hash) VALUES (%s, %s, %s, %s)",
                (tenant_id, op.login, op.name, passwords.hash_password(op.password)),
            )
    return tenant_ids


def seed(url: str, *, reset: bool = False) -> bool:
    """Load demo data if the database has no tenants (or always, after wiping, with ``reset``)."""
    with psycopg.connect(url) as conn:
        if reset:
            wipe(conn)
        elif has_tenants(conn):
            return False
        load(conn)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="wipe all data first")
    args = parser.parse_args()
    loaded = seed(config.database_url(), reset=args.reset)
    print("demo data loaded" if loaded else "database already has tenants; demo data left as it is")


if __name__ == "__main__":
    main()
