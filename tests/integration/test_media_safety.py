"""Nothing a client or an operator sends as a file can hurt an operator: a client's file is served
as a download (raster images alone inline) with nosniff and a sandbox, whatever type it claims;
its type and name are cleaned at the webhook; an operator's upload must be what it says it is, may
not carry a dangerous name, and cannot be replaced once it went to the client."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.media import downloads as media
from shared.media import store as media_store
from tests.helpers import Api, Factory, Reply
from tests.integration import test_operator_attachments as attachments
from tests.integration.test_incoming_kinds import file, message, send
from tests.integration.test_media_jobs import PNG, attachment, shop
from tests.integration.test_operator_attachments import APPEALS, PDF, UPLOADS

pytestmark = pytest.mark.integration

PAGE = b"<html><body><script>fetch('/stolen?' + localStorage.length)</script>hello</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def client_file(api: Api, factory: Factory, fake: Any, data: bytes, **document: Any) -> tuple[dict[str, Any], Any]:
    """A client sends ``data`` as a document (``document`` says its name and type); once fetched,
    the attachment as the API shows it, and its link's answer."""
    tenant, token = shop(api, factory)
    file_id = f"f-{len(fake.files)}"
    fake.add_file(file_id, data)
    send(api, tenant, message(811_000 + len(fake.files), document=file(file_id, len(data), **document)))
    assert media.dispatch()["ready"] == 1
    shown = attachment(api, token)
    return shown, httpx.get(shown["url"])


def assert_safe_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize(("data", "mime", "name"), [(PAGE, "text/html", "page.html"), (SVG, "image/svg+xml", "a.svg")])
def test_a_clients_page_or_svg_is_served_as_a_download_never_as_a_page(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any, data: bytes, mime: str, name: str
) -> None:
    _, response = client_file(api, factory, fake_telegram, data, mime_type=mime, file_name=name)
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert_safe_headers(response)


def test_a_pdf_is_an_attachment_and_a_photo_is_inline_both_sandboxed(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    _, pdf = client_file(api, factory, fake_telegram, PDF, mime_type="application/pdf", file_name="Счёт.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        "attachment; filename=\"____.pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82.pdf"
    )
    assert_safe_headers(pdf)
    _, png = client_file(api, factory, fake_telegram, PNG, mime_type="image/png", file_name="label.png")
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"].startswith("inline")
    assert_safe_headers(png)


def test_cr_lf_in_a_clients_mime_type_and_name_never_reach_a_header(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    shown, response = client_file(
        api,
        factory,
        fake_telegram,
        PDF,
        mime_type="text/html\r\nSet-Cookie: session=stolen",
        file_name="a\r\nSet-Cookie: name=stolen\r\n.pdf",
    )
    # The type and name are cleaned where they came in: what the API shows is what is stored
    assert shown["mime_type"] == "application/octet-stream"
    assert shown["file_name"] == "a Set-Cookie_ name=stolen .pdf"
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert response.headers["content-type"] == "application/octet-stream"
    assert_safe_headers(response)


def test_a_line_separator_in_the_mime_type_does_not_drop_the_connection(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    shown, response = client_file(
        api, factory, fake_telegram, PDF, mime_type="application/pdf\u2028x", file_name="a.pdf"
    )
    assert shown["mime_type"] == "application/octet-stream"
    assert response.status_code == 200 and response.content == PDF


def test_with_a_bucket_the_signed_link_overrides_type_and_disposition(s3: Any) -> None:
    import requests

    store = media_store.store()
    store.put("t/page", PAGE, "text/html")  # stored as it was declared, long ago
    url = store.signed_get_url("t/page", "text/html", "page.html")
    query = parse_qs(urlsplit(url).query)
    assert query["response-content-type"] == ["application/octet-stream"]
    disposition = "attachment; filename=\"page.html\"; filename*=UTF-8''page.html"
    assert query["response-content-disposition"] == [disposition]
    got = requests.get(url, timeout=5)  # S3 (here moto) answers with the signed overrides
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment")
    photo = parse_qs(urlsplit(store.signed_get_url("t/p", "image/png", "p.png")).query)
    assert photo["response-content-type"] == ["image/png"]
    assert photo["response-content-disposition"][0].startswith("inline")


# --- operator uploads ---------------------------------------------------------------------------


def answer_with_a_pdf(
    http_api: Api, factory: Factory, data: bytes, name: str
) -> tuple[str, Any, dict[str, Any], Reply]:
    """An operator uploads ``data`` as the PDF ``name`` and answers their appeal with it: their
    token, the appeal, the upload and the answer's reply."""
    op, appeal = attachments.shop(factory)
    token = http_api.login(op)
    up = attachments.put_upload(http_api, token, data, name, "application/pdf")
    reply = http_api.post(f"{APPEALS}/{appeal}/response", {"text": name, "attachment_ids": [up["id"]]}, token=token)
    return token, appeal, up, reply


def test_executable_bytes_declared_as_a_pdf_are_refused_and_never_sent(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    token, appeal, _, reply = answer_with_a_pdf(http_api, factory, EXE, "invoice.pdf")
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body
    assert "application/pdf" in reply.body["error"]["message"]
    assert fake_telegram.calls == []
    detail = http_api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    assert [m for m in detail["messages"] if m["direction"] == "out"] == []  # no half-written answer
    assert list(local_media.glob("*/sent/*")) == []  # the copy it was checked on is gone


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("invoice.exe.", "application/pdf"),
        ("invoice.pdf ", "application/pdf"),
        ("page.html", "application/pdf"),
        ("logo.svg", "image/png"),
        ("disk.iso", "application/pdf"),
        ("help.chm", "application/pdf"),
        ("run.exe", "image/jpeg"),
    ],
)
def test_dangerous_upload_names_are_refused_however_declared(api: Api, factory: Factory, name: str, mime: str) -> None:
    token = api.login(factory.operator())
    reply = api.post(UPLOADS, {"file_name": name, "mime_type": mime, "size": 10}, token=token)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body


def test_an_upload_cannot_be_replaced_once_it_was_sent(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    # Given a PDF the operator sent to the client
    token, appeal, up, sent = answer_with_a_pdf(http_api, factory, PDF, "prices.pdf")
    assert sent.status == 200, sent.body
    # When its upload URL is used again with other bytes (still within its lifetime)
    other = b"%PDF-1.4\n" + b"PRICE LIST" * 100  # as long as the first: the URL's signed size allows it
    assert len(other) == len(PDF)
    httpx.put(up["url"], content=other, headers=up["headers"])
    # Then what the client received is what the conversation keeps and serves
    detail = http_api.get(f"{APPEALS}/{appeal}", token=token).body["appeal"]
    [shown] = detail["messages"][-1]["attachments"]
    assert httpx.get(shown["url"]).content == PDF
    assert fake_telegram.calls[0].files["document"][2] == PDF
