"""One definition of "a live session" for signing in and for every push fan-out: a phone idle past
its idle lifetime is signed out for validation, so it gets no push either (before the cleanup ends
it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, Factory
from tests.integration.test_incoming_kinds import message, send

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"


def idle_past_its_lifetime(factory: Factory, token_owner_fcm: str) -> None:
    """The phone's last activity 31 days ago (the mobile idle lifetime is 30 days); its absolute
    expiry is still months away, and the cleanup has not run."""
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '31 days' WHERE fcm_token = %s", token_owner_fcm
    )


def pushed(factory: Factory, tenant_id: Any, kind: str) -> list[str]:
    rows = factory.query(
        "SELECT fcm_token FROM push_outbox WHERE tenant_id = %s AND kind = %s ORDER BY fcm_token", tenant_id, kind
    )
    return [r["fcm_token"] for r in rows]


def test_an_idle_expired_phone_gets_no_new_appeal_push(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    for op, fcm in ((anna, "fcm-live"), (boris, "fcm-idle")):
        assert api.post("/webhook/android-register-fcm", {"fcm_token": fcm}, token=api.login(op)).status == 200
    idle_past_its_lifetime(factory, "fcm-idle")
    # When a client writes for the first time
    send(api, tenant, message(733_001, text="Есть аккумулятор 75 Ач?"))
    # Then only the live phone is told
    assert pushed(factory, tenant.id, "new_appeal") == ["fcm-live"]


def test_an_idle_expired_phone_gets_no_assignment_push(api: Api, factory: Factory) -> None:
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    anna_token = api.login(anna, "desktop")
    boris_token = api.login(boris)
    assert api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-boris"}, token=boris_token).status == 200
    idle_past_its_lifetime(factory, "fcm-boris")
    appeal = factory.appeal(tenant)
    assert api.post(f"{APPEALS}/{appeal}/take", token=anna_token).status == 200
    # When Anna hands the appeal to Boris, whose phone has been idle past its lifetime
    reply = api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(boris.id)}, token=anna_token)
    assert reply.status == 200, reply.body
    # Then no push goes to that phone
    assert pushed(factory, tenant.id, "appeal_assigned") == []
    # And validation agrees: that phone's session is not live
    status = api.get("/webhook/api/operator/session", token=boris_token)
    assert (status.status, status.error_code) == (401, "session_expired"), status.body
