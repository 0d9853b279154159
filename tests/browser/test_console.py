"""The operator console, driven in Chromium like a person would: by role and accessible name only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devtools import seed_media
from shared.media import downloads as media
from tests.browser.conftest import Pages
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.test_appeals_webhook import post, update

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def sign_in(page: Page, operator: Operator, password: str | None = None) -> None:
    page.get_by_role("textbox", name="Login").fill(operator.login)
    page.get_by_role("textbox", name="Password").fill(password or operator.password)
    page.get_by_role("button", name="Sign in").click()


def appeals(page: Page) -> Any:
    return page.get_by_role("list", name="Appeals")


def shop(factory: Factory, name: str = "Anna Operator") -> tuple[Tenant, Operator]:
    """A tenant with a Telegram bot, and an operator of it."""
    tenant = factory.tenant()
    factory.telegram_bot(tenant)
    return tenant, factory.operator(tenant, name=name)


def test_sign_in_with_a_wrong_password_then_the_right_one(pages: Pages, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant, name="Anna Operator")
    factory.appeal(tenant, client=factory.client(tenant, name="Pavel Client"), text="Need a 60Ah battery")
    page = pages.open()
    pages.allow(401, "/auth/login")  # the wrong password's answer

    sign_in(page, op, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
    expect(appeals(page)).to_have_count(0)

    # the keyboard alone: Enter in the password field submits
    page.get_by_role("textbox", name="Password").fill(op.password)
    page.get_by_role("textbox", name="Password").press("Enter")
    item = appeals(page).get_by_role("listitem").filter(has_text="Pavel Client")
    expect(item).to_contain_text("Need a 60Ah battery")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_russian_by_default_for_a_russian_browser_and_lang_chooses(pages: Pages) -> None:
    page = pages.open(locale="ru-RU")
    expect(page.get_by_role("button", name="Войти")).to_be_visible()
    expect(page.get_by_role("textbox", name="Пароль")).to_be_visible()
    page = pages.open("/console/?lang=en", locale="ru-RU")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_client_message_arrives_while_the_page_is_open(pages: Pages, factory: Factory, http_api: Api) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    page = pages.open()
    sign_in(page, op)
    expect(page.get_by_text("No appeals here.")).to_be_visible()

    assert post(http_api, tenant, update(501, 880001, "Аккумулятор сел, нужна замена")).status == 200
    item = appeals(page).get_by_role("listitem").filter(has_text="Ivan Petrov")
    expect(item).to_contain_text("Аккумулятор сел, нужна замена")


def test_open_take_reply_seen_in_the_thread_and_at_telegram(
    pages: Pages, factory: Factory, fake_telegram: Any, http_api: Api
) -> None:
    tenant, op = shop(factory)
    client = factory.client(tenant, name="Pavel Client", telegram_id=880002)
    factory.appeal(tenant, client=client, text="Do you have Varta 60Ah?")
    page = pages.open()
    sign_in(page, op)

    appeals(page).get_by_role("listitem").filter(has_text="Pavel Client").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text("Do you have Varta 60Ah?")
    expect(conversation.get_by_role("textbox", name="Reply")).to_have_count(1)
    expect(conversation.get_by_role("button", name="Reject")).to_be_visible()

    conversation.get_by_role("button", name="Take").click()
    expect(conversation.get_by_role("button", name="Take")).to_have_count(0)
    expect(conversation).to_contain_text("yours")

    conversation.get_by_role("textbox", name="Reply").fill("Yes, 7,500 ₽, come by today.")
    conversation.get_by_role("button", name="Send").click()
    thread = conversation.get_by_role("list", name="Messages")
    expect(thread.get_by_role("listitem").last).to_contain_text("Yes, 7,500 ₽, come by today.")
    expect(thread.get_by_role("listitem").last).to_contain_text("sent")
    expect(conversation.get_by_role("textbox", name="Reply")).to_have_value("")
    sent = fake_telegram.sent_messages()
    assert [(c.body["chat_id"], c.body["text"]) for c in sent] == [(880002, "Yes, 7,500 ₽, come by today.")]

    # the client's data, cleaned up: the new name shows in the conversation and in the list
    conversation.get_by_text("Client data", exact=True).click()
    conversation.get_by_role("textbox", name="Client name").fill("  pavel   smirnov ")
    conversation.get_by_role("textbox", name="Car model").fill("Kia Rio 2017")
    conversation.get_by_role("button", name="Save").click()
    expect(conversation.get_by_role("heading", name="Pavel Smirnov")).to_be_visible()
    expect(appeals(page).get_by_role("listitem").filter(has_text="Pavel Smirnov")).to_have_count(1)
    expect(conversation.get_by_role("textbox", name="Car model")).to_have_value("Kia Rio 2017")

    # the client answers while the conversation is open: it shows up without a reload
    assert post(http_api, tenant, update(502, 880002, "Great, on my way")).status == 200
    expect(thread.get_by_role("listitem").last).to_contain_text("Great, on my way")


def test_a_client_message_arriving_while_the_operator_types_client_data_keeps_the_typing(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    tenant, op = shop(factory)
    assert post(http_api, tenant, update(601, 880003, "Нужен аккумулятор")).status == 200
    page = pages.open()
    sign_in(page, op)
    appeals(page).get_by_role("listitem").filter(has_text="Ivan Petrov").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    conversation.get_by_role("button", name="Take").click()
    expect(conversation).to_contain_text("yours")
    conversation.get_by_text("Client data", exact=True).click()
    conversation.get_by_role("textbox", name="Client name").fill("Ivan Smirnov")
    conversation.get_by_role("textbox", name="Car model").fill("Lada Vesta")

    # the client writes again: the conversation refreshes live while the form is half filled
    assert post(http_api, tenant, update(602, 880003, "Для Лады Весты")).status == 200
    thread = conversation.get_by_role("list", name="Messages")
    expect(thread.get_by_role("listitem").last).to_contain_text("Для Лады Весты")
    expect(conversation.get_by_role("textbox", name="Client name")).to_have_value("Ivan Smirnov")
    expect(conversation.get_by_role("textbox", name="Car model")).to_have_value("Lada Vesta")

    conversation.get_by_role("button", name="Save").click()
    expect(conversation.get_by_role("heading", name="Ivan Smirnov")).to_be_visible()
    expect(conversation.get_by_role("textbox", name="Car model")).to_have_value("Lada Vesta")


def test_close_an_appeal(pages: Pages, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    factory.appeal(tenant, client=factory.client(tenant, name="Closing Client"), text="Thanks, all done")
    page = pages.open()
    sign_in(page, op)
    appeals(page).get_by_role("listitem").filter(has_text="Closing Client").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    conversation.get_by_role("button", name="Take").click()
    conversation.get_by_role("button", name="Close").click()
    page.get_by_role("dialog", name="Close the appeal").get_by_role("button", name="Close appeal").click()
    expect(conversation).to_contain_text("Closed")
    expect(conversation.get_by_role("textbox", name="Reply")).to_have_count(0)
    expect(conversation.get_by_role("button", name="Close")).to_have_count(0)
    item = appeals(page).get_by_role("listitem").filter(has_text="Closing Client")
    expect(item).to_have_count(0)  # the list shows the open appeals unless asked for all
    page.get_by_role("button", name="All (with closed)").click()
    expect(item).to_contain_text("Closed")


def test_devices_sign_out_the_phone(pages: Pages, factory: Factory, http_api: Api) -> None:
    op = factory.operator()
    phone = http_api.login(op, device_info={"device_model": "Pixel 8", "manufacturer": "Google"})
    page = pages.open()
    sign_in(page, op)
    page.get_by_role("link", name="Devices").click()

    sessions = page.get_by_role("list", name="Sessions")
    expect(sessions.get_by_role("listitem")).to_have_count(2)
    current = sessions.get_by_role("listitem").filter(has_text="This device")
    expect(current.get_by_role("button", name="Sign out")).to_have_count(0)
    phone_item = sessions.get_by_role("listitem", name=re.compile("Pixel 8"))
    expect(phone_item).to_contain_text("No push notifications")
    phone_item.get_by_role("button", name="Sign out").click()

    expect(sessions.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("1 session(s) signed out.")
    gone = http_api.get("/webhook/api/operator/session", token=phone)
    assert (gone.status, gone.error_code) == (401, "session_revoked")


def test_a_newer_desktop_sign_in_elsewhere_ends_this_one_and_says_why(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    op = factory.operator()
    page = pages.open()
    pages.allow(401)  # the ended session's answer to the next call
    sign_in(page, op)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    http_api.login(op, "desktop")  # the same operator on another computer
    expect(page.get_by_role("alert")).to_contain_text("another device")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(appeals(page)).to_have_count(0)


def test_a_photo_is_shown(pages: Pages, factory: Factory, http_api: Api, fake_telegram: Any, local_media: Path) -> None:
    # Given the local media store behind the gateway, and a photo that Telegram holds for the bot
    fake_telegram.add_file("large-photo", seed_media.png())
    tenant, op = shop(factory)
    page = pages.open()
    sign_in(page, op)
    # When the client sends it with a caption, and the media job fetches it
    photo = update(601, 880003, None)
    photo["message"]["photo"] = [
        {"file_id": "small-photo", "file_unique_id": "s1", "width": 90, "height": 90, "file_size": 1200},
        {"file_id": "large-photo", "file_unique_id": "l1", "width": 160, "height": 96, "file_size": 4000},
    ]
    photo["message"]["caption"] = "This one, on the left"
    assert post(http_api, tenant, photo).status == 200
    assert media.dispatch()["ready"] == 1
    # Then the operator sees the caption and the picture itself in the conversation
    appeals(page).get_by_role("listitem").filter(has_text="Ivan Petrov").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text("This one, on the left")
    image = conversation.get_by_role("img", name="Photo")
    expect(image).to_be_visible(timeout=15000)
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_signed_out_from_the_phone_says_so(pages: Pages, factory: Factory, http_api: Api) -> None:
    op = factory.operator()
    page = pages.open()
    pages.allow(401)  # the ended session's answer to the next call
    sign_in(page, op)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    phone = http_api.login(op)
    assert http_api.post("/webhook/api/operator/sessions/revoke-others", token=phone).status == 200
    expect(page.get_by_role("alert")).to_contain_text("signed out from another device")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_narrow_window_shows_one_pane_at_a_time(pages: Pages, factory: Factory) -> None:
    tenant = factory.tenant()
    op = factory.operator(tenant)
    factory.appeal(tenant, client=factory.client(tenant, name="Narrow Client"), text="Hello from a phone-sized window")
    page = pages.open(width=420, height=800)
    sign_in(page, op)

    appeals(page).get_by_role("listitem").filter(has_text="Narrow Client").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text("Hello from a phone-sized window")
    expect(appeals(page)).to_be_hidden()
    page.get_by_role("link", name="Back to appeals").click()
    expect(appeals(page).get_by_role("listitem").filter(has_text="Narrow Client")).to_be_visible()
    expect(conversation).to_have_count(0)


def test_a_disabled_account_is_told_so(pages: Pages, factory: Factory) -> None:
    op = factory.operator()
    page = pages.open()
    pages.allow(403)  # the disabled account's answer to the next call
    sign_in(page, op)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    factory.execute("UPDATE operators SET is_active = false WHERE id = %s", op.id)  # as `admin disable-operator`
    expect(page.get_by_role("alert")).to_contain_text("Your account is disabled")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
