"""Where the dispatcher sends: FCM as the Firebase service account from Secrets Manager in AWS (with
an OAuth token), a fake FCM with FCM_API_BASE_URL, or (neither) the log, which never shows a
token or a client's words."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import google.oauth2.service_account
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import push
from shared.core import db
from shared.push import fcm
from shared.push.dispatcher import dispatch
from shared.push.types import PushMessage
from tests.fakes.fcm import FakeFcm
from tests.helpers import Factory

pytestmark = pytest.mark.integration


def service_account(project_id: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem.decode(),
        "client_email": f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com",
        "client_id": "123456789012345678901",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def test_in_aws_the_firebase_service_account_comes_from_secrets_manager(secrets_manager: Any, configure: Any) -> None:
    # Given the service-account JSON in Secrets Manager, as the template passes it
    arn = secrets_manager.create_secret(Name="bcrm/firebase", SecretString=json.dumps(service_account("battery-prod")))[
        "ARN"
    ]
    configure(firebase_credentials_secret_arn=arn, aws_default_region="eu-central-1")
    # When the dispatcher builds its sender
    sender = fcm.sender()
    # Then it sends to Google's FCM as that service account, for that project
    assert isinstance(sender, fcm.FcmSender)
    assert sender.project_id == "battery-prod"
    assert sender.url == "https://fcm.googleapis.com/v1/projects/battery-prod/messages:send"
    credential = sender.credential
    assert isinstance(credential, google.oauth2.service_account.Credentials)
    assert credential.service_account_email == "firebase-adminsdk@battery-prod.iam.gserviceaccount.com"


def test_as_the_service_account_every_push_carries_an_oauth_token_fetched_once(fake_fcm: FakeFcm) -> None:
    # Given the service account, its token endpoint and FCM both played by the fake
    account = {**service_account("battery-prod"), "token_uri": f"{fake_fcm.url}/token"}
    sender = fcm.service_account_sender(account, 5.0, base_url=fake_fcm.url)
    # When two batches go out
    for batch in range(2):
        messages = [PushMessage(i, "new_appeal", f"fcm-{batch}-{i}", {"type": "new_appeal"}, None) for i in range(20)]
        assert sender.send(messages) == [push.SENT] * 20
    # Then the token was fetched once, for FCM's scope, signed as the service account
    [form] = fake_fcm.token_requests
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = json.loads(base64.urlsafe_b64decode(form["assertion"][0].split(".")[1] + "=="))
    assert (claims["scope"], claims["iss"]) == (fcm.SCOPE, account["client_email"])
    # and every push carried it, to the service account's project
    sends = [r for r in fake_fcm.received if r.path != "/token"]
    assert len(sends) == 40 and {r.headers["authorization"] for r in sends} == {"Bearer fake-access-1"}
    assert fake_fcm.projects == {"battery-prod"}
    sender.close()


def test_without_an_oauth_token_the_whole_batch_waits_for_a_retry(factory: Factory, fake_fcm: FakeFcm) -> None:
    # Given a service account whose token endpoint refuses it, and two queued pushes
    account = {**service_account("battery-prod"), "token_uri": f"{fake_fcm.url}/no-token-here"}
    sender = fcm.service_account_sender(account, 5.0, base_url=fake_fcm.url)
    tenant = factory.tenant()
    targets = [(f"fcm-{secrets.token_hex(6)}", None), (f"fcm-{secrets.token_hex(6)}", None)]
    db.run(lambda conn: push.enqueue(conn, tenant.id, "new_appeal", {"appeal_id": "a-1"}, targets), transaction=True)
    # When the dispatcher runs with it
    summary = dispatch(sender)
    # Then nothing went to FCM, and both pushes wait for a retry, saying why
    assert (summary["retried"], fake_fcm.requests) == (2, 0)
    rows = factory.query("SELECT status, last_error FROM push_outbox WHERE tenant_id = %s", tenant.id)
    assert rows == [{"status": "pending", "last_error": "batch failed: RefreshError"}] * 2
    sender.close()


def test_without_fcm_configuration_pushes_are_logged_without_secrets_and_marked_sent(
    factory: Factory, captured_logs: Any
) -> None:
    # Given no FCM_API_BASE_URL and no Firebase credentials (a plain `make run`)
    factory.execute(
        "UPDATE push_outbox SET status = 'dead', last_error = 'set aside by a test' WHERE status = 'pending'"
    )
    tenant = factory.tenant()
    token = f"fcm-{secrets.token_hex(10)}"
    db.run(
        lambda conn: push.enqueue(
            conn, tenant.id, "new_appeal", {"appeal_id": "a-7", "preview": "Мой номер +79991234567"}, [(token, None)]
        ),
        transaction=True,
    )
    # When the dispatcher runs
    assert isinstance(fcm.sender(), fcm.LogSender)
    summary = dispatch()
    # Then the push is logged by kind and id, and counts as sent
    assert summary["sent"] == 1
    row = factory.one("SELECT id, status FROM push_outbox WHERE tenant_id = %s", tenant.id)
    assert row["status"] == "sent"
    logs = captured_logs()
    line = next(json.loads(x) for x in logs.splitlines() if "push (logged, not sent)" in x)
    assert (line["kind"], line["outbox_id"]) == ("new_appeal", row["id"])
    assert "pushes are logged, not sent" in logs
    assert token not in logs and "+79991234567" not in logs and "Мой номер" not in logs
