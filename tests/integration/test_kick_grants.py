"""Every function that kicks a worker (an asynchronous Lambda invoke in AWS, once its change has
committed) may invoke it: its role allows ``lambda:InvokeFunction`` on the name its environment gives
(tests/integration/iam.py judges). In AWS a refused kick is only logged and the schedule runs the
worker within a minute, so nothing here fails visibly without this test: a push comes late."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest

from shared.core import jobs
from shared.media import downloads as media
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.iam import STACK, granted, resolve
from tests.integration.test_appeal_lifecycle import with_phone
from tests.integration.test_incoming_kinds import file, message, send

pytestmark = pytest.mark.integration

APPEALS = "/webhook/api/operator/appeals"
JPEG = b"\xff\xd8\xff\xe0" + b"label" * 100


@pytest.fixture
def kicks(gateway: Any) -> Iterator[tuple[Api, list[tuple[str, str]]]]:
    """The API in-process, and each kick it makes as (the function that made it, the queue)."""
    made: list[tuple[str, str]] = []
    current = [""]
    api = Api.in_process(gateway, on_function=lambda function: current.__setitem__(0, function))
    for queue in jobs.QUEUES:
        jobs.set_local_kicker(queue, functools.partial(lambda q: made.append((current[0], q)), queue))
    yield api, made
    for queue in jobs.QUEUES:
        jobs.set_local_kicker(queue, None)


def refused(resources: dict[str, Any], made: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The kicks whose function may not invoke the worker its environment names."""
    denied = []
    for function, queue in made:
        variables = resources[function]["Properties"].get("Environment", {}).get("Variables", {})
        setting = jobs.QUEUES[queue][1].upper()
        name = resolve(variables[setting]) if setting in variables else "<not set>"
        arn = f"arn:aws:lambda:{STACK['AWS::Region']}:{STACK['AWS::AccountId']}:function:{name}"
        if not granted(resources, function, "lambda:InvokeFunction", arn):
            denied.append((function, queue))
    return denied


def a_shop(api: Api, factory: Factory) -> tuple[Tenant, Operator, str]:
    """A shop with a Telegram bot and an operator signed in on a phone that takes pushes."""
    tenant = factory.tenant()
    factory.telegram_bot(tenant)
    anna = factory.operator(tenant)
    return tenant, anna, with_phone(api, anna, f"fcm-anna-{tenant.slug}")


def test_the_appeal_actions_that_push_may_kick_the_dispatcher(
    kicks: tuple[Api, list[tuple[str, str]]], factory: Factory, fake_telegram: Any, resources: dict[str, Any]
) -> None:
    api, made = kicks
    tenant, anna, anna_phone = a_shop(api, factory)
    boris = factory.operator(tenant)
    with_phone(api, boris, f"fcm-boris-{tenant.slug}")
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=515160))
    promo = factory.promo(tenant)

    assert api.post(f"{APPEALS}/{appeal}/take", token=anna_phone).status == 200
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "Hello"}, token=anna_phone).status == 200
    assert api.post(f"{APPEALS}/{appeal}/promo", {"promo_id": str(promo)}, token=anna_phone).status == 200
    assert api.post(f"{APPEALS}/{appeal}/release", token=anna_phone).status == 200
    assert api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(boris.id)}, token=anna_phone).status == 200
    assert api.login(anna, "mobile")  # a new sign-in on Anna's phone tells the phone it replaces

    assert {function for function, _ in made} >= {
        "AppealTakeFunction",
        "AppealReleaseFunction",
        "AppealTransferFunction",
        "AuthLoginMobileFunction",
    }
    assert refused(resources, made) == []


def test_the_webhook_may_kick_the_dispatcher_and_the_media_worker(
    kicks: tuple[Api, list[tuple[str, str]]], factory: Factory, fake_telegram: Any, resources: dict[str, Any]
) -> None:
    api, made = kicks
    tenant, _, _ = a_shop(api, factory)
    made.clear()
    fake_telegram.add_file("kick-photo", JPEG)
    send(api, tenant, message(800_030, photo=[file("kick-photo", len(JPEG))]))
    assert sorted(set(made)) == [("TelegramWebhookFunction", "media"), ("TelegramWebhookFunction", "push")]
    assert refused(resources, made) == []
    assert media.dispatch()["ready"] == 1  # no job left behind for the next test's worker run
