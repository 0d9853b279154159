"""The scheduled cleanup ends expired sessions once each, records why, and trims old rows."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shared import cleanup
from shared.core import db
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

STATUS = "/webhook/api/operator/session"


def test_cleanup_ends_idle_and_absolutely_expired_sessions_and_leaves_live_ones(api: Api, factory: Factory) -> None:
    # Given a phone idle for 31 days, a desktop past its absolute limit, and a live phone
    tenant = factory.tenant()
    idle_op, old_op, live_op = (factory.operator(tenant) for _ in range(3))
    idle, old, live = api.login(idle_op), api.login(old_op, "desktop"), api.login(live_op)
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '31 days' WHERE operator_id = %s", idle_op.id
    )
    factory.execute(
        "UPDATE operator_devices SET expires_at = now() - interval '1 minute' WHERE operator_id = %s", old_op.id
    )
    # When the cleanup runs
    result = cleanup.run()
    # Then both expired sessions are gone with 'expired' in their history, and the live one works
    assert result["sessions_expired"] >= 2
    for op in (idle_op, old_op):
        assert factory.query("SELECT 1 FROM operator_devices WHERE operator_id = %s", op.id) == []
        assert factory.one("SELECT end_reason FROM session_history WHERE operator_id = %s", op.id)["end_reason"] == (
            "expired"
        )
    assert api.get(STATUS, token=idle).error_code == "session_expired"
    assert api.get(STATUS, token=old).error_code == "session_expired"
    assert api.get(STATUS, token=live).status == 200


def test_two_cleanups_at_once_end_each_session_exactly_once(factory: Factory, configure: Any) -> None:
    # Given 400 expired sessions of 200 operators (made in one statement) and small batches
    configure(cleanup_batch_size=25)
    tenant = factory.tenant()
    factory.execute(
        """
        WITH ops AS (
            INSERT INTO operators (tenant_id, login, name, password_hash)
            SELECT %(tenant)s, 'bulk-' || g || '@' || %(slug)s || '.test', 'Bulk', 'not-a-hash'
              FROM generate_series(1, 200) g
            RETURNING id, tenant_id
        ), made AS (
            INSERT INTO operator_devices (operator_id, tenant_id, device_type, token_hash, expires_at, created_at)
            SELECT ops.id, ops.tenant_id, kind, sha256(convert_to(ops.id::text || kind, 'UTF8')),
                   now() - interval '1 hour', now() - interval '2 days'
              FROM ops CROSS JOIN (VALUES ('mobile'), ('desktop')) AS kinds(kind)
            RETURNING id, operator_id, tenant_id, device_type, token_hash, created_at
        )
        INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at)
        SELECT id, operator_id, tenant_id, device_type, token_hash, created_at FROM made
        """,
        {"tenant": tenant.id, "slug": tenant.slug},
    )
    expired_before = factory.one("SELECT count(*) AS n FROM operator_devices WHERE expires_at < now()")["n"]
    assert expired_before >= 400
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def run() -> None:
        barrier.wait(timeout=10)
        results.append(cleanup.run())
        db.close()

    # When two cleanups run at the same moment
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # Then between them they ended every expired session once: no session counted twice, none left
    assert len(results) == 2
    assert sum(r["sessions_expired"] for r in results) == expired_before
    assert factory.one("SELECT count(*) AS n FROM operator_devices WHERE tenant_id = %s", tenant.id)["n"] == 0
    assert (
        factory.one(
            "SELECT count(*) AS n FROM session_history WHERE tenant_id = %s AND end_reason = 'expired'", tenant.id
        )["n"]
        == 400
    )


def test_old_history_and_login_attempts_are_trimmed(factory: Factory, configure: Any) -> None:
    configure(session_history_retention_days=30, login_attempts_retention_days=7)
    op = factory.operator()
    factory.execute(
        "INSERT INTO session_history (id, operator_id, tenant_id, device_type, token_hash, created_at, ended_at,"
        " end_reason) VALUES (gen_random_uuid(), %s, %s, 'mobile', sha256('old'::bytea || %s::text::bytea),"
        " now() - interval '60 days', now() - interval '31 days', 'logout'),"
        " (gen_random_uuid(), %s, %s, 'mobile', sha256('recent'::bytea || %s::text::bytea),"
        " now() - interval '20 days', now() - interval '29 days', 'logout')",
        op.id,
        op.tenant_id,
        str(op.id),
        op.id,
        op.tenant_id,
        str(op.id),
    )
    factory.execute(
        "INSERT INTO login_attempts (login_key, source_ip, succeeded, created_at) VALUES"
        " (%s, '198.51.100.1', false, now() - interval '8 days'), (%s, '198.51.100.1', false, now())",
        op.login,
        op.login,
    )
    cleanup.run()
    kept = factory.query(
        "SELECT end_reason, ended_at > now() - interval '30 days' AS recent FROM session_history "
        "WHERE operator_id = %s",
        op.id,
    )
    assert kept == [{"end_reason": "logout", "recent": True}]
    assert factory.one("SELECT count(*) AS n FROM login_attempts WHERE login_key = %s", op.login)["n"] == 1


def test_delivered_pushes_and_old_update_ids_are_trimmed_but_pending_pushes_never(
    factory: Factory, configure: Any
) -> None:
    # Given old sent, dead and pending pushes, a recent sent push, and old and recent Telegram update ids
    configure(push_outbox_retention_days=7, telegram_updates_retention_days=3)
    tenant = factory.tenant()
    for status, age in (("sent", "8 days"), ("dead", "8 days"), ("pending", "30 days"), ("sent", "1 day")):
        factory.execute(
            "INSERT INTO push_outbox (tenant_id, kind, data, fcm_token, status, created_at)"
            " VALUES (%s, 'new_appeal', '{}', 'fcm-x', %s, now() - %s::interval)",
            tenant.id,
            status,
            age,
        )
    factory.execute(
        "INSERT INTO channel_updates (tenant_id, channel, update_id, received_at) VALUES"
        " (%s, 'telegram', '1', now() - interval '4 days'), (%s, 'vk', 'e2', now() - interval '1 day')",
        tenant.id,
        tenant.id,
    )
    # When the cleanup runs
    cleanup.run()
    # Then only the old delivered or given-up pushes and the old update id are gone
    left = factory.query("SELECT status FROM push_outbox WHERE tenant_id = %s ORDER BY status", tenant.id)
    assert left == [{"status": "pending"}, {"status": "sent"}]
    ids = factory.query("SELECT update_id FROM channel_updates WHERE tenant_id = %s", tenant.id)
    assert ids == [{"update_id": "e2"}]
