"""What the appeal's channel cannot do, in the console: a short line in the conversation, the reply
box's limit and a counter near it, and an answer the channel would refuse refused in the page, with
the reason, before anything is uploaded or sent (the server would answer 409 ``channel_cannot``)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import FilePayload, Page, Request, expect

from devtools import datafactory
from tests.browser.conftest import Pages
from tests.browser.test_console import shop, sign_in
from tests.browser.test_workspace import open_appeal, open_wide, sign_in_ru
from tests.helpers import Factory

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COUNTER = re.compile(r"^[\d,]+ of [\d,]+ characters$")
PNG: FilePayload = {"name": "battery.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}


def sends(page: Page) -> list[str]:
    """The answers and uploads the page asks the server for, from now on."""
    asked: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(("/response", "/uploads")):
            asked.append(request.url)

    page.on("request", record)
    return asked


def test_a_telegram_caption_over_its_limit_is_refused_in_the_page_with_the_reason(
    pages: Pages, factory: Factory
) -> None:
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name="Oleg Client"), text="Photo of the label?")
    page = open_wide(pages)
    sign_in(page, op)
    conversation = open_appeal(page, "Oleg Client")
    expect(conversation).to_contain_text(
        "Telegram cannot send texts over 4,096 characters, captions over 1,024 characters, files over 50 MB."
    )
    reply = conversation.get_by_role("textbox", name="Reply")
    expect(reply).to_have_attribute("maxlength", "4096")
    asked = sends(page)

    reply.fill("x" * 1100)
    expect(conversation.get_by_text(COUNTER)).to_have_count(0)  # far from the limit: no counter
    conversation.get_by_label("Attach files").set_input_files([PNG])
    expect(conversation.get_by_text("1,100 of 1,024 characters")).to_be_visible()
    conversation.get_by_role("button", name="Send").click()
    refusal = conversation.get_by_role("alert")
    expect(refusal).to_have_text(
        "Telegram sends at most 1,024 characters with a file. Shorten the text or send it without the file."
    )
    expect(reply).to_have_value("x" * 1100)  # nothing lost, nothing sent
    expect(reply).to_be_focused()
    expect(reply).to_have_attribute("aria-invalid", "true")

    conversation.get_by_role("button", name="Remove battery.png").click()
    expect(refusal).to_have_count(0)
    expect(conversation.get_by_text("1,100 of 1,024 characters")).to_have_count(0)
    assert asked == []
    assert factory.query("SELECT id FROM appeal_messages WHERE tenant_id = %s AND direction = 'out'", tenant.id) == []


def test_in_russian_a_max_appeal_says_its_own_limits(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory, name="Анна Оператор")
    client = datafactory.client(
        factory.conn, tenant.id, telegram_id=None, name="Клиент из MAX", channel="max", external_id="77001"
    )
    datafactory.appeal(factory.conn, tenant.id, client, [datafactory.Message("in", "Есть 75 Ач?")])
    page = open_wide(pages, locale="ru-RU")
    sign_in_ru(page, op)
    page.get_by_role("list", name="Обращения").get_by_role("listitem").filter(has_text="Клиент из MAX").get_by_role(
        "link"
    ).click()
    conversation = page.get_by_role("region", name="Переписка")
    expect(conversation.get_by_role("heading", level=2).get_by_role("img", name="MAX")).to_be_visible()
    expect(conversation).to_contain_text(
        "MAX не отправит тексты и подписи длиннее 4\u00a0000 символов, файлы больше 2 ГБ."
    )
    reply = conversation.get_by_role("textbox", name="Ответ")
    expect(reply).to_have_attribute("maxlength", "4000")
    reply.fill("я" * 3500)
    expect(conversation.get_by_text("3\u00a0500 из 4\u00a0000 символов")).to_be_visible()


def test_what_a_channel_cannot_do_in_both_languages(pages: Pages) -> None:
    # The console's own functions, in the page, for what no channel declares today: no edits, no
    # documents, a small file limit.
    capabilities = {"edits": False, "max_text": 2000, "max_caption": 900, "send_kinds": ["photo"],
                    "max_file_bytes": 5 * 1024 * 1024}  # fmt: skip
    pdf = {"name": "invoice.pdf", "type": "application/pdf", "size": 1000}
    big_photo = {"name": "big.jpg", "type": "image/jpeg", "size": 6 * 1024 * 1024}
    expected = {
        "en-US": [
            "VK cannot send documents, texts over 2,000 characters, captions over 900 characters, files over 5 MB. "
            "The client's edits of their messages do not reach us.",
            "VK cannot send documents. Remove the file.",
            "VK sends files of at most 5 MB: big.jpg is larger.",
            "VK sends at most 2,000 characters in a message. Shorten the text.",
            "",
        ],
        "ru-RU": [
            "ВКонтакте не отправит документы, тексты длиннее 2\u00a0000 символов, подписи длиннее 900 символов, "
            "файлы больше 5 МБ. Правки клиентом своих сообщений до нас не доходят.",
            "ВКонтакте не отправляет документы. Уберите файл.",
            "ВКонтакте отправляет файлы не больше 5 МБ: big.jpg больше.",
            "ВКонтакте отправляет не больше 2\u00a0000 символов в сообщении. Сократите текст.",
            "",
        ],
    }
    for locale, texts in expected.items():
        page = pages.open(locale=locale)
        expect(page.get_by_role("textbox").first).to_be_visible()
        said = page.evaluate(
            """async ([capabilities, pdf, bigPhoto]) => {
              const { render } = await import("preact");
              const { html } = await import("./html.js");
              const { ChannelLimits, cannotSend } = await import("./channels.js");
              const box = document.createElement("div");
              document.body.append(box);
              render(html`<${ChannelLimits} channel="vk" capabilities=${capabilities} />`, box);
              return [
                box.textContent.trim().replace(/[\\t\\n ]+/g, " "),
                cannotSend("vk", capabilities, "hi", [pdf]),
                cannotSend("vk", capabilities, "hi", [bigPhoto]),
                cannotSend("vk", capabilities, "x".repeat(2001), []),
                cannotSend("vk", capabilities, "🙂".repeat(2000), []) ?? "",
              ];
            }""",
            json.loads(json.dumps([capabilities, pdf, big_photo])),
        )
        assert said == texts
