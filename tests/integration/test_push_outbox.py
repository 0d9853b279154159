"""Queueing pushes in the outbox (the dispatcher that sends them is tested on its own)."""

from __future__ import annotations

import pytest

from shared import push
from shared.core import db
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration


def test_fan_out_reaches_live_mobile_sessions_of_the_tenant_only(api: Api, factory: Factory) -> None:
    # Given two operators of one tenant with phones registered, one also on desktop, one without push,
    # a disabled operator, and an operator of another tenant
    tenant, other = factory.tenant(), factory.tenant()
    anna, boris, carl, dina = (factory.operator(tenant) for _ in range(4))
    olga = factory.operator(other)
    for op, fcm in ((anna, "fcm-anna"), (boris, "fcm-boris"), (dina, "fcm-dina"), (olga, "fcm-olga")):
        api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=api.login(op))
    api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-anna-desktop"}, token=api.login(anna, "desktop"))
    api.login(carl)
    factory.execute("UPDATE operators SET is_active = false WHERE id = %s", dina.id)
    # When a new appeal is announced to the tenant, except to Boris
    queued = db.run(
        lambda conn: push.enqueue_for_tenant_mobiles(
            conn, tenant.id, "new_appeal", {"type": "new_appeal"}, except_operator_id=boris.id
        ),
        transaction=True,
    )
    # Then only Anna's phone gets it
    rows = factory.query(
        "SELECT fcm_token, kind FROM push_outbox WHERE tenant_id = %s AND kind = 'new_appeal'", tenant.id
    )
    assert queued == 1 and rows == [{"fcm_token": "fcm-anna", "kind": "new_appeal"}]
