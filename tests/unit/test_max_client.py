"""The MAX channel and its Bot API client against the fake MAX API (tests/fakes/max_api.py): what
reaches MAX, what the operator's send becomes when MAX refuses, and that nothing is sent twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.channels.base import (
    Account,
    FetchError,
    OutgoingFile,
    RateLimited,
    Unavailable,
    Unreachable,
    WebhookRequest,
)
from shared.channels.max.channel import CHANNEL
from shared.channels.max.client import MaxApi
from tests.fakes.max_api import FakeMax

TOKEN = "max-test-token"
CLIENT = 71234567
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"x" * 64


@pytest.fixture
def fake(configure: Any) -> Iterator[FakeMax]:
    server = FakeMax().start()
    configure(max_api_base_url=server.url)
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def bot(fake: FakeMax, sleeps: list[float]) -> MaxApi:
    return MaxApi(fake.url, TOKEN, sleep=sleeps.append)


def account(secret: str | None = "max-webhook-secret", token_ref: str | None = f"plain:{TOKEN}") -> Account:
    return Account(uuid.uuid4(), "demo", "max", secret, token_ref)


def test_a_text_goes_to_the_users_dialog_with_the_token_in_the_header(fake: FakeMax, bot: MaxApi) -> None:
    mid = bot.send_message(CLIENT, "Здравствуйте! Аккумулятор в наличии.")

    [sent] = fake.messages()
    assert (sent.user_id, sent.text, sent.attachments, sent.mid) == (
        CLIENT,
        "Здравствуйте! Аккумулятор в наличии.",
        [],
        mid,
    )
    [call] = fake.calls_to("POST", "/messages")
    assert call.token == TOKEN
    assert call.query == {"user_id": str(CLIENT)}


def test_a_client_who_stopped_the_bot_is_unreachable(fake: FakeMax, bot: MaxApi) -> None:
    fake.fail("blocked")

    with pytest.raises(Unreachable):
        bot.send_message(CLIENT, "hello")

    assert len(fake.calls_to("POST", "/messages")) == 1


def test_a_rate_limit_is_waited_out_once_and_the_message_sent_once(
    fake: FakeMax, bot: MaxApi, sleeps: list[float]
) -> None:
    fake.rate_limit(times=1)

    bot.send_message(CLIENT, "hello")

    assert sleeps == [1.0]
    assert [m.text for m in fake.messages()] == ["hello"]
    assert len(fake.calls_to("POST", "/messages")) == 2


def test_a_rate_limit_that_persists_is_rate_limited_with_a_retry_after(
    fake: FakeMax, bot: MaxApi, sleeps: list[float]
) -> None:
    fake.rate_limit(times=2)

    with pytest.raises(RateLimited) as caught:
        bot.send_message(CLIENT, "hello")

    assert caught.value.retry_after_s == 2
    assert sleeps == [1.0]
    assert fake.messages() == []
    assert len(fake.calls_to("POST", "/messages")) == 2


@pytest.mark.parametrize(("mode", "reason"), [("error", "max answered 500"), ("refuse", "max answered 400")])
def test_other_failures_are_unavailable_and_not_repeated(fake: FakeMax, bot: MaxApi, mode: str, reason: str) -> None:
    fake.fail(mode)

    with pytest.raises(Unavailable) as caught:
        bot.send_message(CLIENT, "hello")

    assert caught.value.reason.startswith(reason)
    assert len(fake.calls_to("POST", "/messages")) == 1


def test_a_send_that_times_out_is_not_repeated(fake: FakeMax, bot: MaxApi, configure: Any) -> None:
    configure(max_api_base_url=fake.url, telegram_timeout_s=0.3)
    fake.fail("hang")

    with pytest.raises(Unavailable):
        bot.send_message(CLIENT, "hello")

    assert len(fake.calls_to("POST", "/messages")) == 1  # MAX may have delivered it: never twice


def test_a_wrong_token_is_unavailable_without_the_token_in_the_reason(fake: FakeMax, bot: MaxApi) -> None:
    fake.tokens = {"another-token"}

    with pytest.raises(Unavailable) as caught:
        bot.send_message(CLIENT, "hello")

    assert caught.value.reason == "max refused the bot token"
    assert caught.value.message == "MAX refused the shop's bot token."
    assert TOKEN not in str(caught.value)


def test_max_down_is_unavailable_after_one_more_connection_attempt() -> None:
    server = FakeMax().start()
    url = server.url
    server.stop()  # nothing listens there any more

    with pytest.raises(Unavailable) as caught:
        MaxApi(url, TOKEN).send_message(CLIENT, "hello")

    assert caught.value.reason == "max unreachable"


def test_a_photo_is_uploaded_then_sent_by_its_token(fake: FakeMax, bot: MaxApi) -> None:
    attachment = bot.upload("image", PNG, "battery.png", "image/png")
    bot.send_message(CLIENT, "Вот этот", [attachment])

    [upload] = fake.uploads
    assert (upload.type, upload.file_name, upload.content_type) == ("image", "battery.png", "image/png")
    assert upload.data == PNG
    [sent] = fake.messages()
    assert sent.text == "Вот этот"
    [photo] = sent.attachments
    assert photo["type"] == "image"
    assert [p["token"] for p in photo["payload"]["photos"].values()] == [upload.token]


def test_a_document_is_uploaded_as_a_file(fake: FakeMax, bot: MaxApi) -> None:
    attachment = bot.upload("file", PDF, "счёт.pdf", "application/pdf")

    [upload] = fake.uploads
    assert (upload.type, upload.file_name, upload.data) == ("file", "счёт.pdf", PDF)
    assert attachment == {"type": "file", "payload": {"token": upload.token}}


def test_a_video_is_sent_by_the_token_max_gave_with_the_upload_url(fake: FakeMax, bot: MaxApi) -> None:
    attachment = bot.upload("video", b"\x00\x00\x00\x18ftypmp42", "clip.mp4", "video/mp4")

    [upload] = fake.uploads
    assert attachment == {"type": "video", "payload": {"token": upload.token}}


def test_an_upload_max_refuses_is_unavailable(fake: FakeMax, bot: MaxApi) -> None:
    fake.upload_mode = "error"

    with pytest.raises(Unavailable):
        bot.upload("file", PDF, "a.pdf", "application/pdf")


def test_an_attachment_not_ready_is_sent_again_after_growing_waits(
    fake: FakeMax, bot: MaxApi, sleeps: list[float]
) -> None:
    fake.not_ready = 2
    attachment = bot.upload("file", PDF, "a.pdf", "application/pdf")

    bot.send_message(CLIENT, None, [attachment])

    assert sleeps == [0.5, 1.0]
    assert len(fake.messages()) == 1
    assert len(fake.calls_to("POST", "/messages")) == 3


def test_an_attachment_never_ready_is_unavailable_and_nothing_was_sent(
    fake: FakeMax, bot: MaxApi, sleeps: list[float]
) -> None:
    fake.not_ready = 100
    attachment = bot.upload("file", PDF, "a.pdf", "application/pdf")

    with pytest.raises(Unavailable) as caught:
        bot.send_message(CLIENT, None, [attachment])

    assert caught.value.reason == "max answered 400 attachment.not.ready"
    assert caught.value.message == "MAX is still processing the file: send it again shortly."
    assert sleeps == [0.5, 1.0, 2.0]
    assert fake.messages() == []


def test_the_webhook_is_registered_with_its_secret(fake: FakeMax, bot: MaxApi) -> None:
    bot.subscribe("https://crm.example.ru/webhook/max/demo", "demo-max-secret", ["message_created", "bot_started"])

    [subscription] = bot.subscriptions()
    assert subscription["url"] == "https://crm.example.ru/webhook/max/demo"
    assert subscription["update_types"] == ["message_created", "bot_started"]
    [call] = fake.calls_to("POST", "/subscriptions")
    assert call.body["secret"] == "demo-max-secret"


def test_max_refuses_a_plain_http_webhook(fake: FakeMax, bot: MaxApi) -> None:
    with pytest.raises(Unavailable):
        bot.subscribe("http://127.0.0.1:3000/webhook/max/demo", "demo-max-secret", ["message_created"])

    assert fake.subscriptions == []


def test_me_is_the_bot(bot: MaxApi) -> None:
    assert bot.me()["username"] == "akb_market_bot"


# --- the channel ---


def test_the_webhook_secret_header_is_checked() -> None:
    right = WebhookRequest({"x-max-bot-api-secret": "max-webhook-secret"}, {})
    wrong = WebhookRequest({"x-max-bot-api-secret": "max-webhook-secreT"}, {})

    assert CHANNEL.verify(right, account())
    assert not CHANNEL.verify(wrong, account())
    assert not CHANNEL.verify(WebhookRequest({}, {}), account())
    assert not CHANNEL.verify(WebhookRequest({"x-max-bot-api-secret": ""}, {}), account(secret=None))


def test_the_channel_sends_text_with_the_accounts_token(fake: FakeMax) -> None:
    mid = CHANNEL.send_text(account(), str(CLIENT), "Готово", "answer-1")

    [sent] = fake.messages()
    assert (sent.user_id, sent.text, sent.mid) == (CLIENT, "Готово", mid)
    assert fake.calls_to("POST", "/messages")[0].token == TOKEN


def test_the_channel_sends_a_photo_with_its_caption_and_a_document(fake: FakeMax) -> None:
    CHANNEL.send_file(account(), str(CLIENT), OutgoingFile(PNG, "akb.png", "image/png", "photo"), "60 Ач", "a-1")
    CHANNEL.send_file(account(), str(CLIENT), OutgoingFile(PDF, "чек.pdf", "application/pdf", "document"), None, "a-2")

    assert [u.type for u in fake.uploads] == ["image", "file"]
    photo, document = fake.messages()
    assert (photo.text, photo.attachments[0]["type"]) == ("60 Ач", "image")
    assert document.text is None
    assert document.attachments == [{"type": "file", "payload": {"token": fake.uploads[1].token}}]


def test_without_a_token_the_channel_is_unavailable_and_max_is_not_called(fake: FakeMax) -> None:
    with pytest.raises(Unavailable):
        CHANNEL.send_text(account(token_ref=None), str(CLIENT), "hello", "k")

    assert fake.calls == []


def test_an_incoming_file_is_downloaded_from_its_url(fake: FakeMax) -> None:
    url = fake.add_file("i.oneme.ru/i?r=abc", PNG)

    assert CHANNEL.download(account(), url, 1024) == PNG
    with pytest.raises(FetchError) as caught:
        CHANNEL.download(account(), url, 10)
    assert caught.value.too_large


def test_an_incoming_video_is_found_by_its_token_then_downloaded(fake: FakeMax) -> None:
    fake.add_video("dmlkZW9fdG9rZW4", b"\x00\x00\x00\x18ftypmp42video")

    assert CHANNEL.download(account(), "dmlkZW9fdG9rZW4", 1024) == b"\x00\x00\x00\x18ftypmp42video"
    [call] = fake.calls_to("GET", "/videos/dmlkZW9fdG9rZW4")
    assert call.token == TOKEN


def test_a_video_max_no_longer_has_is_a_fetch_error(fake: FakeMax) -> None:
    with pytest.raises(FetchError):
        CHANNEL.download(account(), "gone-video-token", 1024)
