"""What the apps list besides appeals: promos, colleagues (with online), quick replies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration

PROMOS = "/webhook/api/operator/promos"
COLLEAGUES = "/webhook/api/operator/colleagues"
QUICK = "/webhook/api/operator/quick-replies"


def test_promos_lists_the_tenants_active_promos(api: Api, factory: Factory) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    first = factory.promo(tenant, text="Winter check")
    factory.promo(tenant, text="Old", is_active=False)
    second = factory.promo(tenant, text="Trade-in")
    factory.promo(other, text="Not yours")
    reply = api.get(PROMOS, token=api.login(factory.operator(tenant)))
    assert reply.status == 200 and reply.body["success"] is True
    assert reply.body["promos"] == [
        {"id": str(first), "title": "Promo", "text": "Winter check"},
        {"id": str(second), "title": "Promo", "text": "Trade-in"},
    ]
    assert api.get(PROMOS).status == 401


def test_colleagues_are_the_active_operators_with_who_is_online(api: Api, factory: Factory) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    anna = factory.operator(tenant, name="Anna")
    boris = factory.operator(tenant, name="Boris")
    carl = factory.operator(tenant, name="Carl")
    factory.operator(tenant, name="Dora", is_active=False)
    factory.operator(other, name="Eve")
    token = api.login(anna)
    boris_token = api.login(boris, "desktop")
    api.login(carl)
    # Carl's session went quiet 6 minutes ago; Boris logged out
    factory.execute(
        "UPDATE operator_devices SET last_active_at = now() - interval '6 minutes' WHERE operator_id = %s", carl.id
    )
    assert api.post("/webhook/android/logout", token=boris_token).status == 200
    reply = api.get(COLLEAGUES, token=token)
    assert reply.status == 200
    assert reply.body["colleagues"] == [
        {"id": str(anna.id), "name": "Anna", "login": anna.login, "online": True},
        {"id": str(boris.id), "name": "Boris", "login": boris.login, "online": False},
        {"id": str(carl.id), "name": "Carl", "login": carl.login, "online": False},
    ]


def test_quick_replies_create_list_delete(api: Api, factory: Factory) -> None:
    tenant, other = factory.tenant(), factory.tenant()
    anna, boris = factory.operator(tenant), factory.operator(tenant)
    stranger = factory.operator(other)
    anna_token, boris_token, stranger_token = api.login(anna), api.login(boris), api.login(stranger)
    created = api.post(QUICK, {"title": "  Hours ", "text": "9:00-20:00 every day"}, token=anna_token)
    assert created.status == 201 and created.body["success"] is True
    hours = created.body["quick_reply"]
    assert hours["title"] == "Hours" and hours["text"] == "9:00-20:00 every day"
    second = api.post(QUICK, {"title": "Delivery", "text": "Same day"}, token=boris_token).body["quick_reply"]
    # Tenant-wide: Boris sees Anna's, the other tenant sees none
    assert api.get(QUICK, token=boris_token).body["quick_replies"] == [hours, second]
    assert api.get(QUICK, token=stranger_token).body["quick_replies"] == []
    # Another tenant's id, an unknown one: 404; a malformed one: 400
    for token, reply_id in ((stranger_token, hours["id"]), (anna_token, str(uuid.uuid4()))):
        reply = api.delete(f"{QUICK}/{reply_id}", token=token)
        assert (reply.status, reply.error_code) == (404, "not_found")
    reply = api.delete(f"{QUICK}/nope", token=anna_token)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert api.delete(f"{QUICK}/{hours['id']}", token=boris_token).body == {"success": True}
    assert api.get(QUICK, token=anna_token).body["quick_replies"] == [second]
    assert api.delete(f"{QUICK}/{hours['id']}", token=boris_token).status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x"}, "title"),
        ({"title": "", "text": "x"}, "title"),
        ({"title": "   ", "text": "x"}, "title"),
        ({"title": "x" * 101, "text": "x"}, "title"),
        ({"title": "t"}, "text"),
        ({"title": "t", "text": ""}, "text"),
        ({"title": "t", "text": "  \n "}, "text"),
        ({"title": "t", "text": "x" * 4097}, "text"),
    ],
)
def test_bad_quick_replies_are_400_naming_the_field(
    api: Api, factory: Factory, body: dict[str, Any], field: str
) -> None:
    tenant = factory.tenant()
    token = api.login(factory.operator(tenant))
    reply = api.post(QUICK, body, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert field in reply.body["error"]["message"]
    assert factory.one("SELECT count(*) AS n FROM quick_replies WHERE tenant_id = %s", tenant.id)["n"] == 0


def test_quick_reply_bounds_are_inclusive(api: Api, factory: Factory) -> None:
    token = api.login(factory.operator())
    reply = api.post(QUICK, {"title": "т" * 100, "text": "я" * 4096}, token=token)
    assert reply.status == 201 and len(reply.body["quick_reply"]["text"]) == 4096
