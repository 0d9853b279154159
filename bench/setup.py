"""The benchmark's database: created fresh, migrated, with the demo data and enough rows to make
every measured request realistic (an appeal list of 50, a detail with history, many sessions)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo

from devtools import datafactory, seed
from shared.core import db, migrations, settings

BENCH_DB = os.environ.get("BENCH_DATABASE", "batterycrm_bench")  # another name keeps parallel runs apart


@dataclass
class BenchData:
    url: str
    tenant_id: UUID
    operator_id: UUID
    token: str
    appeal_id: UUID
    logout_tokens: list[str]


def bulk_connection(url: str, **options: Any) -> psycopg.Connection[Any]:
    """A connection for building bench data: without the statement timeout that the migrations set
    as the application role's default (it is for requests, not for loading a million rows)."""
    return psycopg.connect(url, autocommit=True, options="-c statement_timeout=0", **options)


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from devtools import embedded_pg

    return embedded_pg.ensure_running()


def new_database(server: str, name: str) -> str:
    """Database ``name`` on ``server``, dropped if it was there, created and migrated: its URL."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(server, dbname=name)
    migrations.apply(url)
    return url


def fresh_database(server: str) -> str:
    """The bench's own database, new, and the handlers of this process pointed at it."""
    url = new_database(server, BENCH_DB)
    os.environ["DATABASE_URL"] = url
    os.environ["TELEGRAM_DRY_RUN"] = "false"
    settings.reset()
    db.close()
    return url


def populate(url: str, logout_sessions: int) -> BenchData:
    """Demo data, 80 more open appeals for the demo tenant (Telegram, VK and MAX mixed), a detail with
    12 messages, a bench operator's session, and ``logout_sessions`` sessions to log out."""
    with bulk_connection(url) as conn:
        tenants = seed.load(conn)
        tenant_id = tenants["demo"]
        conn.execute("UPDATE tenants SET telegram_bot_token_ref = 'plain:bench-bot-token' WHERE id = %s", (tenant_id,))
        operator_id = datafactory.operator(
            conn,
            tenant_id,
            login="bench@demo.test",
            name="Bench",
            password="bench-password-123",  # noqa: S106
        )
        # 80 more appeals of 12 messages each, the channels mixed as a shop's are (half Telegram, 30 % VK,
        # 20 % MAX): set-based, then their activity columns as the factory keeps them
        conn.execute(
            """
            WITH c AS (
                INSERT INTO clients (tenant_id, channel, telegram_id, external_id, name)
                SELECT %(t)s, ch, CASE WHEN ch = 'telegram' THEN 9000000 + g END, (9000000 + g)::text, 'Client ' || g
                  FROM generate_series(1, 80) g, LATERAL (
                      SELECT CASE WHEN g %% 10 < 5 THEN 'telegram' WHEN g %% 10 < 8 THEN 'vk' ELSE 'max' END
                  ) m(ch)
                RETURNING id, channel
            ), a AS (
                INSERT INTO appeals (tenant_id, client_id, channel, preview, created_at)
                SELECT %(t)s, c.id, c.channel, 'Need a battery', now() - random() * interval '3 days' FROM c
                RETURNING id
            )
            INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, delivery_status)
            SELECT %(t)s, a.id, 'in', 'Need a battery for my car, what do you have?', %(received)s
              FROM a CROSS JOIN generate_series(1, 12)
            """,
            {"t": tenant_id, "received": datafactory.DELIVERY_STATUS["in"]},
        )
        datafactory.refresh_activity(conn, tenant_id=tenant_id)
        appeal = conn.execute(
            # the appeal the answers go to: a Telegram one (the bench's fake Bot API answers them)
            "SELECT id FROM appeals WHERE tenant_id = %s AND status = 'new' AND channel = 'telegram'"
            " ORDER BY created_at DESC LIMIT 1",
            (tenant_id,),
        ).fetchone()
        assert appeal is not None
        conn.execute(
            "UPDATE appeals SET assigned_operator_id = %s, status = 'in_progress' WHERE id = %s",
            (operator_id, appeal[0]),
        )
        token = secrets.token_urlsafe(32)
        logout_tokens = [secrets.token_urlsafe(32) for _ in range(logout_sessions)]
        datafactory.sessions(conn, tenant_id, [(operator_id, token)])
        bulk_ops = conn.execute(
            "INSERT INTO operators (tenant_id, login, name, password_hash) SELECT %s, 'logout-' || g || '@demo.test',"
            " 'Logout', 'x' FROM generate_series(1, %s) g RETURNING id",
            (tenant_id, logout_sessions),
        ).fetchall()
        datafactory.sessions(conn, tenant_id, [(row[0], t) for row, t in zip(bulk_ops, logout_tokens, strict=True)])
        conn.execute("ANALYZE")
    return BenchData(url, tenant_id, operator_id, token, appeal[0], logout_tokens)


def grow_sessions(url: str, total: int) -> int:
    """Bring operator_devices to ``total`` rows (two sessions per bulk operator, over 100 bulk
    tenants), with their history and one appeal per ten sessions. Returns the row count."""
    with bulk_connection(url) as conn:
        have = conn.execute("SELECT count(*) FROM operator_devices").fetchone()
        assert have is not None
        missing = max(0, total - int(have[0]))
        operators_needed = (missing + 1) // 2
        if operators_needed:
            conn.execute(
                "INSERT INTO tenants (name, slug) SELECT 'Bulk ' || g, 'bulk-' || g FROM generate_series(1, 100) g"
                " ON CONFLICT DO NOTHING"
            )
            conn.execute(
                """
                WITH t AS (SELECT array_agg(id) AS ids FROM tenants WHERE slug LIKE 'bulk-%%'),
                ops AS (
                    INSERT INTO operators (tenant_id, login, name, password_hash)
                    SELECT t.ids[1 + g %% 100], 'bulk-' || g || '-' || %(tag)s || '@bulk.test', 'Bulk', 'x'
                      FROM t, generate_series(1, %(n)s) g
                    RETURNING id, tenant_id
                ), d AS (
                    INSERT INTO operator_devices (operator_id, tenant_id, device_type, token_hash, expires_at,
                                                  last_active_at)
                    SELECT ops.id, ops.tenant_id, kind, sha256(convert_to(ops.id::text || kind, 'UTF8')),
                           now() + interval '60 days', now() - random() * interval '10 hours'
                      FROM ops CROSS JOIN (VALUES ('mobile'), ('desktop')) AS kinds(kind)
                    RETURNING id, operator_id, tenant_id, device_type, token_hash, created_at
                )
                INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at)
                SELECT * FROM d
                """,
                {"n": operators_needed, "tag": secrets.token_hex(3)},
            )
            conn.execute(
                """
                WITH t AS (SELECT array_agg(id) AS ids FROM tenants WHERE slug LIKE 'bulk-%%'),
                c AS (
                    INSERT INTO clients (tenant_id, telegram_id, name)
                    SELECT t.ids[1 + g %% 100], 100000000 + g + %(offset)s, 'Bulk client'
                      FROM t, generate_series(1, %(n)s) g
                    RETURNING id, tenant_id
                )
                INSERT INTO appeals (tenant_id, client_id, preview, status, created_at)
                SELECT tenant_id, id, 'bulk', 'closed', now() - random() * interval '90 days' FROM c
                """,
                {"n": missing // 10, "offset": int(have[0])},
            )
        conn.execute("VACUUM ANALYZE")
        count = conn.execute("SELECT count(*) FROM operator_devices").fetchone()
        assert count is not None
        return int(count[0])


def expire_sessions(url: str, count: int) -> None:
    with bulk_connection(url) as conn:
        conn.execute(
            "UPDATE operator_devices SET expires_at = now() - interval '1 hour' WHERE id IN"
            " (SELECT id FROM operator_devices WHERE device_type = 'desktop' AND operator_id IN"
            "  (SELECT id FROM operators WHERE login LIKE 'bulk-%%') LIMIT %s)",
            (count,),
        )
        conn.execute("ANALYZE operator_devices")
