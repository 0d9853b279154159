"""Every S3 call a function makes is granted by its role, as template.yaml gives it once the SAM
transform has expanded it. moto does not check IAM, so the calls are recorded per request (botocore's
``provide-client-params`` event, which API calls and presigned URLs alike emit: a presigned URL works
only if the signing role may do what it asks) and judged against the role's inline policies. The
managed policies SAM adds (logs, X-Ray, VPC access) grant nothing in S3."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from typing import Any

import pytest
import requests  # moto answers requests (not httpx) inside mock_aws

from shared.media import downloads as media
from shared.media import store as media_store
from tests.helpers import Api, Factory
from tests.integration.test_deploy_offline import cloudformation_template
from tests.integration.test_incoming_kinds import file, message, send

pytestmark = pytest.mark.integration

BUCKET = "bcrm-media"  # the s3 fixture's
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


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    template, _ = cloudformation_template()
    return dict(template["Resources"])


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


def resolve(value: Any) -> str:
    """A policy's resource with the stack's values put in (the bucket is the tests'); anything else
    stays a placeholder, which matches no object."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return {"MediaBucket": BUCKET, "AWS::Partition": "aws"}.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return f"arn:aws:s3:::{BUCKET}" if value["Fn::GetAtt"] == ["MediaBucket", "Arn"] else "<GetAtt>"
    if "Fn::Sub" in value:
        text, names = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def put_in(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in names:
                return resolve(names[name])
            if name.endswith(".Arn"):
                return resolve({"Fn::GetAtt": [name.removesuffix(".Arn"), "Arn"]})
            return resolve({"Ref": name})

        return re.sub(r"\$\{([^}]+)\}", put_in, text)
    return "<unresolved>"


def granted(resources: dict[str, Any], function: str, action: str, arn: str) -> bool:
    role = resources[f"{function}Role"]["Properties"]
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if (
                statement["Effect"] == "Allow"
                and any(fnmatchcase(action, a) for a in actions)
                and any(fnmatchcase(arn, resolve(t)) for t in targets)
            ):
                return True
    return False


def refused(resources: dict[str, Any], function: str, calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    assert calls, f"{function}: no S3 call recorded"  # the check below would pass on nothing
    return [call for call in calls if not granted(resources, function, *call)]


def test_an_answer_with_an_upload_is_granted_every_s3_call_on_the_way(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any, resources: dict[str, Any]
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=515152))
    token = api.login(factory.operator(tenant))

    with s3_calls() as calls:
        upload = api.post(
            "/webhook/api/operator/uploads",
            {"file_name": "l.jpg", "mime_type": "image/jpeg", "size": len(JPEG)},
            token=token,
        ).body["upload"]
    assert refused(resources, "OperatorUploadFunction", calls) == []
    assert requests.put(upload["url"], data=JPEG, headers=upload["headers"], timeout=5).status_code == 200

    with s3_calls() as calls:
        answer = api.post(
            f"/webhook/api/operator/appeals/{appeal}/response",
            {"text": "label", "attachment_ids": [upload["id"]]},
            token=token,
        )
    assert answer.status == 200, answer.body
    assert refused(resources, "AppealResponseFunction", calls) == []  # read the upload, fix it, send it, link it

    with s3_calls() as calls:
        assert api.get(f"/webhook/api/operator/appeals/{appeal}", token=token).status == 200
    assert refused(resources, "AppealDetailFunction", calls) == []


def test_a_forged_upload_is_refused_and_its_copy_removed_with_granted_s3_calls(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any, resources: dict[str, Any]
) -> None:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    appeal = factory.appeal(tenant, client=factory.client(tenant, telegram_id=515153))
    token = api.login(factory.operator(tenant))
    program = b"MZ\x90\x00" + b"\x00" * 200  # a Windows program, declared a photo
    upload = api.post(
        "/webhook/api/operator/uploads",
        {"file_name": "l.jpg", "mime_type": "image/jpeg", "size": len(program)},
        token=token,
    ).body["upload"]
    assert requests.put(upload["url"], data=program, headers=upload["headers"], timeout=5).status_code == 200

    with s3_calls() as calls:
        answer = api.post(
            f"/webhook/api/operator/appeals/{appeal}/response",
            {"text": "label", "attachment_ids": [upload["id"]]},
            token=token,
        )
    assert (answer.status, answer.error_code) == (400, "invalid_request")
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
    # the judge itself: the answer writes only final keys; the detail only reads
    sent, upload = f"arn:aws:s3:::{BUCKET}/t1/sent/a1", f"arn:aws:s3:::{BUCKET}/t1/uploads/a1"
    assert granted(resources, "AppealResponseFunction", "s3:PutObject", sent)
    assert not granted(resources, "AppealResponseFunction", "s3:PutObject", upload)
    assert granted(resources, "AppealDetailFunction", "s3:GetObject", sent)
    assert not granted(resources, "AppealDetailFunction", "s3:PutObject", sent)
