"""Operator uploads (signed PUT to the media store) and answers that carry them as sendPhoto /
sendDocument, over HTTP through the local gateway; S3 presigned PUT with moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import Api, Factory, Operator

pytestmark = pytest.mark.integration

UPLOADS = "/webhook/api/operator/uploads"
APPEALS = "/webhook/api/operator/appeals"
BOT_TOKEN = "123456:TEST-BOT-TOKEN"
JPEG = b"\xff\xd8\xff\xe0" + b"battery label" * 100
PDF = b"%PDF-1.4\n" + b"price list" * 100


def shop(factory: Factory) -> tuple[Operator, Any]:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    op = factory.operator(tenant)
    client = factory.client(tenant, telegram_id=515151)
    return op, factory.appeal(tenant, client=client)


def put_upload(api: Api, token: str, data: bytes, name: str, mime: str) -> dict[str, Any]:
    """``data`` uploaded by the operator: the upload as the API gave it (its id, URL and headers)."""
    reply = api.post(UPLOADS, {"file_name": name, "mime_type": mime, "size": len(data)}, token=token)
    assert reply.status == 201, reply.body
    up: dict[str, Any] = reply.body["upload"]
    assert up["method"] == "PUT" and up["headers"] == {"Content-Type": mime} and up["expires_at"]
    put = httpx.put(up["url"], content=data, headers=up["headers"])  # no session header: the URL is the grant
    assert put.status_code == 200, put.text
    return up


def upload(api: Api, token: str, data: bytes, name: str, mime: str) -> str:
    return str(put_upload(api, token, data, name, mime)["id"])


def label_and_prices(http_api: Api, token: str) -> tuple[str, str]:
    """A photo (label.jpg) and a PDF (p.pdf) uploaded by the operator: their upload ids."""
    return upload(http_api, token, JPEG, "label.jpg", "image/jpeg"), upload(
        http_api, token, PDF, "p.pdf", "application/pdf"
    )


def test_an_answer_with_a_photo_and_a_pdf_goes_as_sendphoto_and_senddocument(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    op, appeal = shop(factory)
    token = http_api.login(op)
    photo, pdf = label_and_prices(http_api, token)
    body = {"text": "Here is the label and our prices", "attachment_ids": [photo, pdf], "client_message_id": "att-1"}
    reply = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert reply.status == 200, reply.body
    message = reply.body["message"]
    assert (message["kind"], message["delivery_status"]) == ("photo", "sent")
    assert [(a["id"], a["status"]) for a in message["attachments"]] == [(photo, "ready"), (pdf, "ready")]
    calls = [c for c in fake_telegram.calls]
    assert [(c.method, c.token) for c in calls] == [("sendPhoto", BOT_TOKEN), ("sendDocument", BOT_TOKEN)]
    assert calls[0].body == {"chat_id": "515151", "caption": "Here is the label and our prices"}
    assert calls[0].files == {"photo": ("label.jpg", "image/jpeg", JPEG)}
    assert calls[1].body == {"chat_id": "515151"} and calls[1].files == {"document": ("p.pdf", "application/pdf", PDF)}
    # The detail shows the answer with its attachments, each with a working link
    detail = http_api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    out = detail["messages"][-1]
    assert [(a["kind"], a["file_name"], a["status"]) for a in out["attachments"]] == [
        ("photo", "label.jpg", "ready"),
        ("document", "p.pdf", "ready"),
    ]
    assert httpx.get(out["attachments"][1]["url"]).content == PDF
    # A retry with the same client_message_id sends nothing again
    again = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert again.status == 200 and again.body["message"]["id"] == message["id"] and len(fake_telegram.calls) == 2


def test_a_half_sent_answer_retried_sends_only_the_files_that_did_not_go_out(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    # Given an answer with a photo and a PDF, and Telegram refusing documents for now
    op, appeal = shop(factory)
    token = http_api.login(op)
    photo, pdf = label_and_prices(http_api, token)
    body = {"text": "Label and prices", "attachment_ids": [photo, pdf], "client_message_id": "att-half"}
    fake_telegram.fail("error", method="sendDocument")
    # When it is sent: the photo goes out, the PDF does not
    first = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    assert (first.status, first.error_code) == (502, "channel_unavailable")
    # And the app retries the same answer once Telegram takes documents again
    fake_telegram.recover()
    again = http_api.post(f"{APPEALS}/{appeal}/response", body, token=token)
    # Then the answer is sent, and the client got the photo once and the PDF once
    assert again.status == 200 and again.body["message"]["delivery_status"] == "sent", again.body
    accepted = [c.method for c in fake_telegram.calls]
    assert accepted == ["sendPhoto", "sendDocument", "sendDocument"]  # the first PDF attempt was refused
    assert [c.files for c in fake_telegram.calls if c.method == "sendPhoto"] == [
        {"photo": ("label.jpg", "image/jpeg", JPEG)}
    ]


def test_a_short_rate_limit_on_a_photo_is_waited_out_and_sent_once(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    op, appeal = shop(factory)
    token = http_api.login(op)
    photo = upload(http_api, token, JPEG, "label.jpg", "image/jpeg")
    fake_telegram.rate_limit(1, times=1)  # 429 with retry_after 1 s, within TELEGRAM_MAX_WAIT_S
    reply = http_api.post(f"{APPEALS}/{appeal}/response", {"attachment_ids": [photo]}, token=token)
    assert reply.status == 200 and reply.body["message"]["delivery_status"] == "sent", reply.body
    assert [c.method for c in fake_telegram.calls] == ["sendPhoto", "sendPhoto"]


def test_an_attachment_without_text_has_no_caption(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    op, appeal = shop(factory)
    token = http_api.login(op)
    pdf = upload(http_api, token, PDF, "invoice.pdf", "application/pdf")
    reply = http_api.post(f"{APPEALS}/{appeal}/response", {"attachment_ids": [pdf]}, token=token)
    assert reply.status == 200 and reply.body["message"]["text"] == ""
    [call] = fake_telegram.calls
    assert call.method == "sendDocument" and "caption" not in call.body


def test_another_tenants_upload_is_404_and_nothing_is_sent(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    op, appeal = shop(factory)
    other = factory.operator(factory.tenant())
    theirs = upload(http_api, http_api.login(other), JPEG, "x.jpg", "image/jpeg")
    reply = http_api.post(f"{APPEALS}/{appeal}/response", {"attachment_ids": [theirs]}, token=http_api.login(op))
    assert (reply.status, reply.error_code) == (404, "not_found")
    assert fake_telegram.calls == []
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE appeal_id = %s", appeal)["n"] == 1


def test_an_upload_never_put_is_400_and_records_nothing(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    op, appeal = shop(factory)
    token = http_api.login(op)
    reply = http_api.post(UPLOADS, {"file_name": "a.jpg", "mime_type": "image/jpeg", "size": 10}, token=token)
    answer = http_api.post(
        f"{APPEALS}/{appeal}/response", {"attachment_ids": [reply.body["upload"]["id"]]}, token=token
    )
    assert (answer.status, answer.error_code) == (400, "invalid_request")
    assert factory.one("SELECT count(*) AS n FROM appeal_messages WHERE appeal_id = %s", appeal)["n"] == 1


def test_an_upload_is_sent_once(http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any) -> None:
    op, appeal = shop(factory)
    token = http_api.login(op)
    pdf = upload(http_api, token, PDF, "invoice.pdf", "application/pdf")
    assert http_api.post(f"{APPEALS}/{appeal}/response", {"attachment_ids": [pdf]}, token=token).status == 200
    again = http_api.post(f"{APPEALS}/{appeal}/response", {"attachment_ids": [pdf]}, token=token)
    assert (again.status, again.error_code) == (400, "invalid_request")
    assert len(fake_telegram.calls) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"file_name": "setup.exe", "mime_type": "application/x-msdownload", "size": 100},
        {"file_name": "invoice.pdf.exe", "mime_type": "application/pdf", "size": 100},
        {"file_name": "run.sh", "mime_type": "text/plain", "size": 100},
        {"file_name": "movie.mp4", "mime_type": "video/mp4", "size": 100},
        {"file_name": "big.pdf", "mime_type": "application/pdf", "size": 20 * 1024 * 1024 + 1},
        {"file_name": "empty.pdf", "mime_type": "application/pdf", "size": 0},
        {"file_name": "", "mime_type": "application/pdf", "size": 10},
        {"file_name": "../../etc/passwd.pdf", "mime_type": "application/pdf", "size": 10},
        {"file_name": "a\u0000.pdf", "mime_type": "application/pdf", "size": 10},
        {"file_name": "a.pdf", "mime_type": "application/pdf\u0000", "size": 10},
    ],
)
def test_executables_other_types_and_over_20_mb_are_400(api: Api, factory: Factory, body: dict[str, Any]) -> None:
    op = factory.operator()
    reply = api.post(UPLOADS, body, token=api.login(op))
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert factory.one("SELECT count(*) AS n FROM attachments WHERE tenant_id = %s", op.tenant_id)["n"] == 0


def test_uploads_need_a_session(api: Api) -> None:
    reply = api.post(UPLOADS, {"file_name": "a.pdf", "mime_type": "application/pdf", "size": 1})
    assert (reply.status, reply.error_code) == (401, "missing_token")


def test_the_local_put_url_refuses_a_bigger_body_or_another_type(
    http_api: Api, factory: Factory, local_media: Path
) -> None:
    token = http_api.login(factory.operator())
    up = http_api.post(UPLOADS, {"file_name": "a.pdf", "mime_type": "application/pdf", "size": 10}, token=token).body[
        "upload"
    ]
    assert httpx.put(up["url"], content=b"x" * 11, headers=up["headers"]).status_code == 413
    assert httpx.put(up["url"], content=b"x" * 5, headers={"Content-Type": "image/png"}).status_code == 403
    assert httpx.put(up["url"].replace("size=10", "size=99"), content=b"x", headers=up["headers"]).status_code == 403


def test_without_text_or_attachments_the_answer_is_400(api: Api, factory: Factory) -> None:
    op, appeal = shop(factory)
    token = api.login(op)
    bodies: list[dict[str, Any]] = [{}, {"attachment_ids": []}, {"text": "x" * 1025, "attachment_ids": [str(appeal)]}]
    for body in bodies:
        reply = api.post(f"{APPEALS}/{appeal}/response", body, token=token)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), body


def test_with_a_bucket_the_upload_url_is_an_s3_presigned_put(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any
) -> None:
    import requests  # moto answers requests (not httpx)

    op, appeal = shop(factory)
    token = api.login(op)
    reply = api.post(UPLOADS, {"file_name": "l.jpg", "mime_type": "image/jpeg", "size": len(JPEG)}, token=token)
    up = reply.body["upload"]
    assert "X-Amz-Signature=" in up["url"]
    assert "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost" in up["url"]  # S3 enforces the size
    assert requests.put(up["url"], data=JPEG, headers=up["headers"], timeout=5).status_code == 200
    answer = api.post(f"{APPEALS}/{appeal}/response", {"text": "label", "attachment_ids": [up["id"]]}, token=token)
    assert answer.status == 200, answer.body
    [call] = fake_telegram.calls
    assert call.method == "sendPhoto" and call.files["photo"][2] == JPEG
