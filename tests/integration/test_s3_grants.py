"""Every S3 call a function makes is granted by its role (tests/integration/iam.py judges). moto does
not check IAM, so the calls are recorded per request (botocore's ``provide-client-params`` event,
which API calls and presigned URLs alike emit: a presigned URL works only if the signing role may do
what it asks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
import requests  # moto answers requests (not httpx) inside mock_aws

from shared.media import downloads as media
from shared.media import store as media_store
from tests.helpers import Api, Factory, Reply, Tenant
from tests.integration.iam import BUCKET, granted
from tests.integration.test_incoming_kinds import file, message, send

pytestmark = pytest.mark.integration

BOT_TOKEN = "123456:TEST-BOT-TOKEN"
JPEG = b"\xff\xd8\xff\xe0" + b"battery label" * 100
# The S3 operations the media store uses, and what IAM asks of the caller for each (a copy: to read
# the source and to write the target).
ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CopyObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
}


@contextmanager
def s3_calls() -> Iterator[list[tuple[str, str]]]:
    """The (IAM action, object ARN) of every S3 call the store makes inside the block."""
    calls: list[tuple[str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "CopyObject":
            source = params["CopySource"]
            calls.append(("s3:GetObject", f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"))
        calls.append((ACTIONS[model.name], f"arn:aws:s3:::{params['Bucket']}/{params['Key']}"))

    store = media_store.store()
    assert isinstance(store, media_store.S3Store)  # the s3 fixture's bucket
    events = store.client().meta.events
    events.register("provide-client-params.s3", record, unique_id="s3-grants")
    try:
        yield calls
    finally:
        events.unregister("provide-client-params.s3", unique_id="s3-grants")


def refused(resources: dict[str, Any], function: str, calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    assert calls, f"{function}: no S3 call recorded"  # the check below would pass on nothing
    return [call for call in calls if not granted(resources, function, *call)]


def an_appeal(api: Api, factory: Factory) -> tuple[Tenant, UUID, str]:
    """A shop with a Telegram bot and an appeal: the tenant, the appeal, its operator's token."""
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    appeal = factory.appeal(tenant, client=factory.client(tenant))
    return tenant, appeal, api.login(factory.operator(tenant))


def uploaded(api: Api, token: str, data: bytes) -> dict[str, Any]:
    """``data`` uploaded as the photo l.jpg: the upload as the API gave it."""
    body = {"file_name": "l.jpg", "mime_type": "image/jpeg", "size": len(data)}
    upload: dict[str, Any] = api.post("/webhook/api/operator/uploads", body, token=token).body["upload"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=5).status_code == 200
    return upload


def answer(api: Api, token: str, appeal: UUID, upload: dict[str, Any]) -> Reply:
    body = {"text": "label", "attachment_ids": [upload["id"]]}
    return api.post(f"/webhook/api/operator/appeals/{appeal}/response", body, token=token)


def test_an_answer_with_an_upload_is_granted_every_s3_call_on_the_way(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any, resources: dict[str, Any]
) -> None:
    _, appeal, token = an_appeal(api, factory)
    with s3_calls() as calls:
        upload = uploaded(api, token, JPEG)
    assert refused(resources, "OperatorUploadFunction", calls) == []  # the PUT URL it signed

    with s3_calls() as calls:
        sent = answer(api, token, appeal, upload)
    assert sent.status == 200, sent.body
    assert refused(resources, "AppealResponseFunction", calls) == []  # read the upload, fix it, send it, link it

    with s3_calls() as calls:
        assert api.get(f"/webhook/api/operator/appeals/{appeal}", token=token).status == 200
    assert refused(resources, "AppealDetailFunction", calls) == []


def test_a_forged_upload_is_refused_and_its_copy_removed_with_granted_s3_calls(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any, resources: dict[str, Any]
) -> None:
    tenant, appeal, token = an_appeal(api, factory)
    upload = uploaded(api, token, b"MZ\x90\x00" + b"\x00" * 200)  # a Windows program, declared a photo
    with s3_calls() as calls:
        refusal = answer(api, token, appeal, upload)
    assert (refusal.status, refusal.error_code) == (400, "invalid_request")
    assert refused(resources, "AppealResponseFunction", calls) == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{tenant.id}/sent/")["KeyCount"] == 0
    assert fake_telegram.calls == []


def test_a_clients_photo_is_stored_and_linked_with_granted_s3_calls(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any, resources: dict[str, Any]
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    token = api.login(factory.operator(tenant))
    fake_telegram.add_file("grant-photo", JPEG)
    send(api, tenant, message(800_020, photo=[file("grant-photo", len(JPEG))]))

    with s3_calls() as calls:
        assert media.dispatch()["ready"] == 1
    assert refused(resources, "MediaWorkerFunction", calls) == []

    [appeal] = api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    with s3_calls() as calls:
        assert api.get(f"/webhook/api/operator/appeals/{appeal['id']}", token=token).status == 200
    assert refused(resources, "AppealDetailFunction", calls) == []


def test_a_function_may_not_write_where_its_role_does_not_say(resources: dict[str, Any]) -> None:
    # the judge itself: the answer writes only final keys, the upload only uploads; the detail only reads
    sent, upload = f"arn:aws:s3:::{BUCKET}/t1/sent/a1", f"arn:aws:s3:::{BUCKET}/t1/uploads/a1"
    assert granted(resources, "AppealResponseFunction", "s3:PutObject", sent)
    assert not granted(resources, "AppealResponseFunction", "s3:PutObject", upload)
    assert granted(resources, "AppealDetailFunction", "s3:GetObject", sent)
    assert not granted(resources, "AppealDetailFunction", "s3:PutObject", sent)
    assert granted(resources, "OperatorUploadFunction", "s3:PutObject", upload)  # signs the upload's PUT
    assert not granted(resources, "OperatorUploadFunction", "s3:PutObject", sent)
    assert not granted(resources, "MediaWorkerFunction", "s3:DeleteObject", sent)  # stores, never removes
