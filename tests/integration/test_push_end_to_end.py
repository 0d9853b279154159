"""Pushes end to end over real HTTP through the local gateway, as in `make run`: a client's
Telegram message reaches the operators' phones as `new_appeal`, a take as `appeal_taken`."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from devtools.push_worker import LocalDispatcher
from tests.fakes.fcm import FakeFcm
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

SECRET_HEADER = "x-telegram-bot-api-secret-token"


@pytest.fixture
def dispatcher(fake_fcm: FakeFcm) -> Iterator[LocalDispatcher]:
    worker = LocalDispatcher().start()
    yield worker
    worker.stop()


def test_a_client_message_reaches_every_phone_of_the_tenant_and_no_other(
    http_api: Api, factory: Factory, fake_fcm: FakeFcm, dispatcher: LocalDispatcher
) -> None:
    # Given two operators of a shop with phones registered, one with only a desktop, and another shop's phone
    shop, other = factory.tenant(), factory.tenant()
    anna, boris, olga = factory.operator(shop), factory.operator(shop), factory.operator(other)
    for op in (anna, boris, olga):
        token = http_api.login(op)
        assert http_api.post("/webhook/android-register-fcm", {"fcm_token": f"fcm-{op.id}"}, token=token).status == 200
    desktop_token = http_api.login(factory.operator(shop), "desktop")
    http_api.post("/webhook/android-register-fcm", {"fcm_token": f"fcm-desktop-{shop.id}"}, token=desktop_token)
    shop_phones = [f"fcm-{anna.id}", f"fcm-{boris.id}"]

    # When a client writes to the shop's bot
    update = {
        "update_id": secrets.randbelow(10**9),
        "message": {
            "message_id": 1,
            "chat": {"id": 777001, "type": "private"},
            "from": {"id": 777001, "first_name": "Pavel"},
            "text": "Need a 60Ah battery",
        },
    }
    reply = http_api.post(f"/webhook/telegram/{shop.slug}", update, headers={SECRET_HEADER: shop.webhook_secret})
    assert reply.status == 200

    # Then both shop phones get new_appeal with the appeal id and preview, and nobody else gets anything
    assert fake_fcm.wait_until(lambda: set(shop_phones) <= set(fake_fcm.tokens("new_appeal")))
    appeal_id = factory.one("SELECT id FROM appeals WHERE tenant_id = %s", shop.id)["id"]
    for phone in shop_phones:
        assert fake_fcm.messages_to(phone)[0]["data"] == {
            "type": "new_appeal",
            "appeal_id": str(appeal_id),
            "preview": "Need a 60Ah battery",
            "notification_tag": f"appeal-{appeal_id}",
        }
    assert set(fake_fcm.tokens("new_appeal")) == set(shop_phones)


def test_taking_an_appeal_tells_the_other_phones(
    http_api: Api, factory: Factory, fake_fcm: FakeFcm, dispatcher: LocalDispatcher
) -> None:
    # Given two operators with phones and a new appeal
    shop = factory.tenant()
    anna, boris = factory.operator(shop), factory.operator(shop)
    anna_token, boris_token = http_api.login(anna), http_api.login(boris)
    http_api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-anna-e2e"}, token=anna_token)
    http_api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-boris-e2e"}, token=boris_token)
    appeal_id = factory.appeal(shop)
    # When Anna takes it
    assert http_api.post(f"/webhook/api/operator/appeals/{appeal_id}/take", token=anna_token).status == 200
    # Then Boris's phone is told, and Anna's is not
    assert fake_fcm.wait_until(lambda: "fcm-boris-e2e" in fake_fcm.tokens("appeal_taken"))
    assert fake_fcm.messages_to("fcm-boris-e2e")[0]["data"] == {
        "type": "appeal_taken",
        "appeal_id": str(appeal_id),
        "operator_id": str(anna.id),
        "notification_tag": f"appeal-{appeal_id}",
    }
    assert "fcm-anna-e2e" not in fake_fcm.tokens()
