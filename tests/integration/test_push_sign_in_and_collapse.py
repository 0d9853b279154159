"""`new_sign_in` pushes to an operator's other devices, and every push about an appeal collapsing
by that appeal on the phone (Android collapse_key and notification tag), through the dispatcher
to a fake FCM server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from devtools.push_worker import LocalDispatcher
from shared.push.dispatcher import dispatch
from tests.fakes.fcm import FakeFcm
from tests.helpers import Api, Factory, Operator

pytestmark = pytest.mark.integration

REGISTER = "/webhook/android-register-fcm"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def device(api: Api, op: Operator, device_type: str = "mobile", **login: object) -> tuple[str, str]:
    """Sign ``op`` in on a device that registers an FCM token; returns (session token, FCM token)."""
    fcm_token = f"fcm-{device_type}-{secrets.token_hex(8)}"
    token = api.login(op, device_type, **login)
    assert api.post(REGISTER, {"fcm_token": fcm_token}, token=token).status == 200
    return token, fcm_token


# --- new_sign_in ---------------------------------------------------------------------------------


def test_signing_in_tells_the_operators_other_devices_and_nobody_else(
    api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given Anna's phone with push, and Boris's phone, in the same shop
    tenant = factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    _, anna_phone = device(api, anna)
    _, boris_phone = device(api, boris)
    # When Anna signs in on a desktop
    api.login(anna, "desktop", device_info={"device_model": "ThinkPad X1", "app_version": "2.4.0"})
    # Then the push is queued with the login, and her phone (only) is told which device signed in
    queued = factory.query("SELECT fcm_token FROM push_outbox WHERE tenant_id = %s AND kind = 'new_sign_in'", tenant.id)
    assert queued == [{"fcm_token": anna_phone}]
    dispatch()
    assert fake_fcm.tokens("new_sign_in") == [anna_phone]
    message = fake_fcm.messages_to(anna_phone)[0]
    assert message["data"] == {"type": "new_sign_in", "device_type": "desktop", "device_model": "ThinkPad X1"}
    assert "collapse_key" not in message["android"]  # not about an appeal: nothing to collapse
    assert fake_fcm.messages_to(boris_phone) == []


def test_a_new_phone_tells_the_desktop_and_the_replaced_phone_only_hears_session_replaced(
    api: Api, factory: Factory, fake_fcm: FakeFcm
) -> None:
    # Given Anna's phone and her desktop, both with push
    anna = factory.operator()
    _, old_phone = device(api, anna)
    _, desktop = device(api, anna, "desktop")
    dispatch()
    fake_fcm.accepted.clear()
    # When she signs in on a new phone that says nothing about itself
    api.login(anna)
    dispatch()
    # Then the desktop gets new_sign_in with an empty device_model; the old phone only session_replaced
    assert [m["data"] for m in fake_fcm.messages_to(desktop)] == [
        {"type": "new_sign_in", "device_type": "mobile", "device_model": ""}
    ]
    assert [m["data"]["type"] for m in fake_fcm.messages_to(old_phone)] == ["session_replaced"]


def test_sessions_without_push_ended_or_idle_get_no_new_sign_in(api: Api, factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given Anna's desktop without an FCM token, and a phone whose session went idle past its lifetime
    anna = factory.operator()
    api.login(anna, "desktop")
    _, idle_phone = device(api, anna)
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '31 days' "
        "WHERE operator_id = %s AND device_type = 'mobile'",
        anna.id,
    )
    # When she signs in on the desktop again
    api.login(anna, "desktop")
    # Then nothing is queued
    assert (
        factory.query("SELECT 1 FROM push_outbox WHERE tenant_id = %s AND kind = 'new_sign_in'", anna.tenant_id) == []
    )
    dispatch()
    assert idle_phone not in fake_fcm.tokens()


# --- collapse by appeal --------------------------------------------------------------------------


@pytest.fixture
def dispatcher(fake_fcm: FakeFcm) -> Iterator[LocalDispatcher]:
    worker = LocalDispatcher().start()
    yield worker
    worker.stop()


def test_every_push_about_an_appeal_collapses_by_that_appeal(
    http_api: Api, factory: Factory, fake_fcm: FakeFcm, dispatcher: LocalDispatcher
) -> None:
    # Given two operators with phones
    shop = factory.tenant()
    anna, boris = factory.operator(shop), factory.operator(shop)
    anna_token, anna_phone = device(http_api, anna)
    _, boris_phone = device(http_api, boris)
    # When a client writes (new_appeal to both phones) and Anna takes the appeal (appeal_taken to Boris)
    telegram_id = secrets.randbelow(10**9) + 10**9
    update = {
        "update_id": secrets.randbelow(10**9),
        "message": {
            "message_id": 1,
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "first_name": "Pavel"},
            "text": "Need a battery",
        },
    }
    assert (
        http_api.post(f"/webhook/telegram/{shop.slug}", update, headers={SECRET_HEADER: shop.webhook_secret}).status
        == 200
    )
    appeal_id = str(factory.one("SELECT id FROM appeals WHERE tenant_id = %s", shop.id)["id"])
    assert http_api.post(f"/webhook/api/operator/appeals/{appeal_id}/take", token=anna_token).status == 200
    assert fake_fcm.wait_until(
        lambda: (
            boris_phone in fake_fcm.tokens("appeal_taken")
            and {anna_phone, boris_phone} <= set(fake_fcm.tokens("new_appeal"))
        )
    )
    # Then each of them carries the appeal as Android collapse_key and its notification tag
    about_appeal = [m for m in fake_fcm.accepted if m["data"].get("appeal_id") == appeal_id]
    assert sorted(m["data"]["type"] for m in about_appeal) == ["appeal_taken", "new_appeal", "new_appeal"]
    for message in about_appeal:
        assert message["android"]["collapse_key"] == appeal_id
        assert message["data"]["notification_tag"] == f"appeal-{appeal_id}"
        assert message["android"]["priority"] == "high"
        # a data message still: no notification payload that Android would display by itself
        assert "notification" not in message and "notification" not in message["android"]


def test_pushes_about_two_appeals_do_not_collapse_into_one(api: Api, factory: Factory, fake_fcm: FakeFcm) -> None:
    shop = factory.tenant()
    anna, boris = factory.operator(shop), factory.operator(shop)
    device(api, anna)
    _, boris_phone = device(api, boris)
    anna_token = api.login(anna, "desktop")
    first, second = factory.appeal(shop), factory.appeal(shop)
    for appeal in (first, second):
        assert api.post(f"/webhook/api/operator/appeals/{appeal}/take", token=anna_token).status == 200
    dispatch()
    keys = {
        m["android"]["collapse_key"] for m in fake_fcm.messages_to(boris_phone) if m["data"]["type"] == "appeal_taken"
    }
    assert keys == {str(first), str(second)}
