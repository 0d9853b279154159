"""The console as an operator's workspace, in Chromium at 1366x768 (an office PC's screen), by role and
accessible name: the newest message in view, no one-click reject, every new client message
announced, names on everything, the keyboard for the whole day, and the same in Russian."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from devtools import datafactory, seed_media
from devtools.datafactory import Message
from shared.media import downloads as media
from tests.browser.conftest import Pages
from tests.browser.test_console import appeals, shop, sign_in
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.test_appeals_webhook import post, update

pytestmark = [pytest.mark.browser, pytest.mark.integration]

HEIGHT = 768

# Records desktop notifications and tones instead of showing or playing them (the page cannot be
# asked what the operating system showed): each notification with its title and body, each tone.
RECORD_NOTICES = """
window.__notices = [];
window.__tones = 0;
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notices.push({ title, body: options && options.body, notice: this });
    }
  };
}
const createGain = AudioContext.prototype.createGain;
AudioContext.prototype.createGain = function () { window.__tones += 1; return createGain.call(this); };
"""


def open_wide(
    pages: Pages, *, locale: str = "en-US", init_script: str | None = None, permissions: list[str] | None = None
) -> Page:
    """The console at 1366x768, an office PC's screen."""
    return pages.open(locale=locale, width=1366, height=HEIGHT, init_script=init_script, permissions=permissions)


def open_appeal(page: Page, name: str) -> Locator:
    appeals(page).get_by_role("listitem").filter(has_text=name).get_by_role("link").click()
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text(name)
    return conversation


def thread(conversation: Locator) -> Locator:
    return conversation.get_by_role("list", name="Messages")


def one_appeal_open(pages: Pages, factory: Factory, name: str, telegram_id: int) -> Locator:
    """A shop with one new appeal, from client ``name``: its operator signed in at 1366x768 with
    that conversation open."""
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name=name, telegram_id=telegram_id))
    page = open_wide(pages)
    sign_in(page, op)
    return open_appeal(page, name)


def long_appeal(factory: Factory, tenant: Tenant, name: str, telegram_id: int, n: int = 24) -> UUID:
    client = factory.client(tenant, name=name, telegram_id=telegram_id)
    lines = [
        Message("in" if i % 2 == 0 else "out", f"Message {i}: " + "a few words about batteries " * 6, age_min=60 - i)
        for i in range(n)
    ]
    appeal_id, _ = datafactory.appeal(factory.conn, tenant.id, client, lines, status="new")
    return appeal_id


def held_appeal(factory: Factory, tenant: Tenant, client: UUID, holder: Operator) -> None:
    """An appeal in progress held by ``holder``: the client's question, an answer and a note."""
    datafactory.appeal(
        factory.conn,
        tenant.id,
        client,
        [
            Message("in", "Need a battery", age_min=5),
            Message("out", "What car?", age_min=4),
            Message("note", "Calls often", age_min=3),
        ],
        status="in_progress",
        holder=holder.id,
    )


# --- 1. the newest message in view ---------------------------------------------------------------


def test_the_newest_message_is_in_view_on_open_and_as_it_arrives(pages: Pages, factory: Factory, http_api: Api) -> None:
    tenant, op = shop(factory)
    long_appeal(factory, tenant, "Kirill Client", 770001)
    page = open_wide(pages)
    sign_in(page, op)
    messages = thread(open_appeal(page, "Kirill Client")).get_by_role("listitem")

    expect(messages.last).to_contain_text("Message 23")
    expect(messages.last).to_be_in_viewport(ratio=1)

    # at the bottom: a new message scrolls into view by itself
    assert post(http_api, tenant, update(7001, 770001, "Are you open on Sunday?")).status == 200
    expect(messages.last).to_contain_text("Are you open on Sunday?")
    expect(messages.last).to_be_in_viewport(ratio=1)

    # scrolled up to read: the thread stays put and a marker says there is more below
    thread(page.get_by_role("region", name="Conversation")).evaluate("box => { box.scrollTop = 0; }")
    assert post(http_api, tenant, update(7002, 770001, "Hello?")).status == 200
    marker = page.get_by_role("button", name="New messages ↓")
    expect(marker).to_be_visible()
    expect(messages.last).to_contain_text("Hello?")
    expect(messages.last).not_to_be_in_viewport()
    expect(messages.first).to_be_in_viewport()
    marker.click()
    expect(messages.last).to_be_in_viewport(ratio=1)
    expect(marker).to_have_count(0)


# --- 2. no one-click reject ----------------------------------------------------------------------


def test_reject_asks_for_confirmation_and_a_reason_that_the_conversation_shows(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    appeal_id = factory.appeal(tenant, client=factory.client(tenant, name="Wrong Number"), text="Is this the bakery?")
    page = open_wide(pages)
    sign_in(page, op)
    conversation = open_appeal(page, "Wrong Number")

    conversation.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog", name="Reject the appeal?")
    expect(dialog.get_by_role("textbox", name="Reason")).to_be_focused()
    expect(dialog.get_by_role("button", name="Reject appeal")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    page.keyboard.press("Escape")  # nothing open: nothing happens
    assert factory.one("SELECT status FROM appeals WHERE id = %s", appeal_id)["status"] == "new"

    conversation.get_by_role("button", name="Reject").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # Escape is a cancel too
    expect(dialog).to_have_count(0)
    conversation.get_by_role("button", name="Reject").click()
    dialog.get_by_role("textbox", name="Reason").fill("Not our client: a bakery question")
    dialog.get_by_role("button", name="Reject appeal").click()

    outcome = thread(conversation).get_by_role("listitem").last
    expect(outcome).to_contain_text("Rejected by Anna Operator")
    expect(outcome).to_contain_text("Reason: Not our client: a bakery question")
    expect(conversation.get_by_role("button", name="Reject")).to_have_count(0)
    expect(conversation.get_by_role("heading", level=2)).to_be_focused()
    row = factory.one("SELECT status, reject_reason FROM appeals WHERE id = %s", appeal_id)
    assert row == {"status": "rejected", "reject_reason": "Not our client: a bakery question"}


# --- 3. a client writing is never missed ---------------------------------------------------------


def test_a_new_appeal_while_mine_is_shown_is_announced_everywhere(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name="Old Client"), operator=op, status="in_progress")
    page = open_wide(pages, init_script=RECORD_NOTICES, permissions=["notifications"])
    sign_in(page, op)
    filters = page.get_by_role("group", name="Filter appeals")
    filters.get_by_role("button", name=re.compile("^Mine")).click()
    expect(filters.get_by_role("button", name="Mine 1")).to_have_attribute("aria-pressed", "true")
    expect(filters.get_by_role("button", name="New 0")).to_be_visible()
    expect(page).to_have_title(f"(1) BatteryCRM — {op.name}")  # the old client's message

    assert post(http_api, tenant, update(7101, 770101, "Do you sell 74Ah batteries?")).status == 200

    expect(filters.get_by_role("button", name="New 1")).to_be_visible()
    expect(filters.get_by_role("button", name="Open 2")).to_be_visible()
    expect(page).to_have_title(f"(2) BatteryCRM — {op.name}")
    expect(appeals(page).get_by_role("listitem").filter(has_text="Ivan Petrov")).to_have_count(0)  # still "Mine"
    # (the counts and the announcements come from the same answer: the chip showing means it was announced)
    assert page.evaluate("window.__notices.map(n => [n.title, n.body])") == [
        ["Ivan Petrov", "Do you sell 74Ah batteries?"]
    ]
    assert page.evaluate("window.__tones") == 1

    # clicking the notification opens the appeal
    page.evaluate("window.__notices[0].notice.dispatchEvent(new Event('click'))")
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Ivan Petrov")
    expect(page).to_have_title(f"(1) BatteryCRM — {op.name}")  # Ivan's message is read now

    # the tone can be switched off, and stays off
    sound = page.get_by_role("button", name="Sound")
    expect(sound).to_have_attribute("aria-pressed", "true")
    sound.click()
    page.reload()
    expect(page.get_by_role("button", name="Sound")).to_have_attribute("aria-pressed", "false")
    expect(filters.get_by_role("button", name="Mine 1")).to_have_attribute("aria-pressed", "true")  # remembered
    expect(filters.get_by_role("button", name="New 1")).to_be_visible()
    assert post(http_api, tenant, update(7102, 770102, "And 60Ah?")).status == 200
    expect(filters.get_by_role("button", name="New 2")).to_be_visible()
    assert page.evaluate("window.__notices.map(n => n.body)") == ["And 60Ah?"]  # notified, but silently
    assert page.evaluate("window.__tones") == 0


def test_desktop_notifications_are_asked_for_once_from_a_clear_prompt(pages: Pages, factory: Factory) -> None:
    _, op = shop(factory)
    page = open_wide(pages)
    sign_in(page, op)
    prompt = page.get_by_role("region", name="Desktop notifications")
    expect(prompt).to_contain_text("know when a client writes")
    page.context.grant_permissions(["notifications"])
    prompt.get_by_role("button", name="Turn on notifications").click()
    expect(prompt).to_have_count(0)
    assert page.evaluate("Notification.permission") == "granted"
    page.context.clear_permissions()
    page.reload()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(prompt).to_have_count(0)  # asked once


# --- 4. who did what -----------------------------------------------------------------------------


def test_senders_note_authors_and_holders_have_names(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    boris = factory.operator(tenant, name="Boris Colleague")
    held_appeal(factory, tenant, factory.client(tenant, name="Pavel Client"), boris)
    page = open_wide(pages)
    sign_in(page, op)
    expect(appeals(page).get_by_role("listitem").filter(has_text="Pavel Client")).to_contain_text(
        "held by Boris Colleague"
    )
    conversation = open_appeal(page, "Pavel Client")
    messages = thread(conversation).get_by_role("listitem")
    expect(messages.nth(0)).to_contain_text("Pavel Client")
    expect(messages.nth(1)).to_contain_text("Boris Colleague")
    expect(messages.nth(2)).to_contain_text("Note by Boris Colleague")
    expect(conversation).to_contain_text("held by Boris Colleague")

    # a note of one's own carries one's own name
    conversation.get_by_text("Note", exact=True).click()
    conversation.get_by_role("textbox", name="Internal note").fill("He asked for a discount")
    conversation.get_by_role("button", name="Add note").click()
    expect(messages.last).to_contain_text("Note by Anna Operator")


# --- 5. quick replies from the keyboard ----------------------------------------------------------


def test_quick_replies_browsed_with_the_arrows_and_inserted_once_on_enter(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    for title, text in [("Hello", "Good afternoon!"), ("Prices", "Varta 60Ah is 7,900 ₽."), ("Address", "Lenina 1.")]:
        datafactory.quick_reply(factory.conn, tenant.id, title=title, text=text)
    factory.appeal(tenant, client=factory.client(tenant, name="Quick Client"))
    page = open_wide(pages)
    sign_in(page, op)
    reply = open_appeal(page, "Quick Client").get_by_role("textbox", name="Reply")
    expect(page.get_by_text("/ finds a quick reply")).to_be_visible()

    reply.click()
    reply.press("/")
    options = page.get_by_role("listbox", name="Quick replies").get_by_role("option")
    expect(options).to_have_count(3)
    reply.press("ArrowDown")
    reply.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(reply).to_have_value("/")  # browsing inserts nothing
    reply.press("Enter")
    expect(reply).to_have_value("Lenina 1.")
    expect(page.get_by_role("listbox", name="Quick replies")).to_have_count(0)

    # "/" and a word searches; Enter inserts the one found, once
    reply.press_sequentially(" /pric")
    expect(options).to_have_count(1)
    reply.press("Enter")
    expect(reply).to_have_value("Lenina 1. Varta 60Ah is 7,900 ₽.")
    reply.press_sequentially(" /")
    reply.press("Escape")
    expect(page.get_by_role("listbox", name="Quick replies")).to_have_count(0)
    expect(reply).to_have_value("Lenina 1. Varta 60Ah is 7,900 ₽. /")


def test_a_key_typed_right_after_a_quick_reply_lands_at_the_caret(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    datafactory.quick_reply(factory.conn, tenant.id, title="Hello", text="Good afternoon!")
    factory.appeal(tenant, client=factory.client(tenant, name="Caret Client"))
    page = open_wide(pages)
    sign_in(page, op)
    reply = open_appeal(page, "Caret Client").get_by_role("textbox", name="Reply")
    reply.fill("Thanks for writing.")
    reply.press("Home")
    reply.press("/")
    expect(page.get_by_role("listbox", name="Quick replies").get_by_role("option")).to_have_count(1)
    # Given a page whose next animation frame is late (a shop's old PC, a busy tab)
    page.evaluate("() => { window.requestAnimationFrame = () => 0; }")
    # When the operator inserts the reply and types on at once
    reply.press("Enter")
    reply.press_sequentially(" ")
    # Then the key follows the inserted text, where the caret is
    expect(reply).to_have_value("Good afternoon! Thanks for writing.")


# --- 6. the unread badge goes once read ----------------------------------------------------------


def test_the_unread_badge_goes_when_the_conversation_is_opened(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    client = factory.client(tenant, name="Unread Client")
    datafactory.appeal(
        factory.conn, tenant.id, client, [Message("in", "Hello", age_min=2), Message("in", "Anyone?", age_min=1)]
    )
    page = open_wide(pages)
    sign_in(page, op)
    item = appeals(page).get_by_role("listitem").filter(has_text="Unread Client")
    expect(item).to_contain_text("2 unread")
    open_appeal(page, "Unread Client")
    expect(item).not_to_contain_text("unread")


# --- 7 and 9. close with an outcome, reopen, focus after actions ---------------------------------


def test_close_asks_for_the_outcome_shows_it_and_the_client_writing_reopens(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    tenant, op = shop(factory)
    client = factory.client(tenant, name="Closing Client", telegram_id=770201)
    appeal_id = factory.appeal(tenant, client=client, text="Thanks, all done")
    page = open_wide(pages)
    sign_in(page, op)
    conversation = open_appeal(page, "Closing Client")

    conversation.get_by_role("button", name="Take").click()
    reply = conversation.get_by_role("textbox", name="Reply")
    expect(reply).to_be_focused()  # after Take: the answer

    conversation.get_by_role("button", name="Close").click()
    dialog = page.get_by_role("dialog", name="Close the appeal")
    dialog.get_by_role("textbox", name="Outcome (optional)").fill("Sold and installed a Varta 60Ah")
    dialog.get_by_role("button", name="Close appeal").click()

    outcome = thread(conversation).get_by_role("listitem").last
    expect(outcome).to_contain_text("Closed by Anna Operator")
    expect(outcome).to_contain_text("Outcome: Sold and installed a Varta 60Ah")
    expect(outcome).to_contain_text("If the client writes again soon, the appeal reopens")
    expect(conversation.get_by_role("heading", level=2)).to_be_focused()  # never the page's body
    expect(reply).to_have_count(0)
    assert factory.one("SELECT resolution FROM appeals WHERE id = %s", appeal_id)["resolution"] == (
        "Sold and installed a Varta 60Ah"
    )

    assert post(http_api, tenant, update(7201, 770201, "One more question")).status == 200
    expect(conversation).to_contain_text("In progress")
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("One more question")
    expect(reply).to_be_visible()


def test_enter_is_a_new_line_ctrl_enter_sends_and_the_hint_says_so(
    pages: Pages, factory: Factory, fake_telegram: Any
) -> None:
    conversation = one_appeal_open(pages, factory, "Keys Client", 770301)
    reply = conversation.get_by_role("textbox", name="Reply")
    expect(reply).to_have_accessible_description("Ctrl+Enter sends; Enter starts a new line.")
    reply.press_sequentially("Two lines")
    reply.press("Enter")
    reply.press_sequentially("of text")
    expect(reply).to_have_value("Two lines\nof text")
    reply.press("Control+Enter")
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("sent")
    assert [c.body["text"] for c in fake_telegram.sent_messages()] == ["Two lines\nof text"]


ONE_APPEAL = re.compile(r"/appeals/[0-9a-f-]{36}$")  # the look at one appeal (GET)
CHANGES = re.compile(r"/changes(\?|$)")
NOTES = re.compile(r"/notes$")
AFTER_PAINT = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))"


def hold_the_first_look(page: Page) -> list[Route]:
    """The look at an appeal the conversation asks for as it opens is held (in the list returned,
    until the test continues it); the changes feed's first answer comes meanwhile, and the refresh
    it brings (answered) shows the conversation."""
    opening: list[Route] = []
    polls: list[Route] = []  # the changes feed: one answer, its first, once the conversation asked

    def look(route: Route) -> None:
        if opening:
            route.continue_()
            return
        opening.append(route)
        if polls:
            polls[0].continue_()

    def feed(route: Route) -> None:
        polls.append(route)
        if opening and len(polls) == 1:
            route.continue_()

    page.route(ONE_APPEAL, look)
    page.route(CHANGES, feed)
    return opening


def test_the_first_look_at_an_appeal_answering_last_leaves_the_operator_typing_in_the_reply(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    """Two looks at the appeal answer out of order: the one the conversation asked for as it opened
    comes back after a refresh's, while the operator is already typing a reply. The focus stays in
    the reply (it used to go to the heading, and the keystrokes that followed with it)."""
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name="Late Client", telegram_id=770302))
    page = open_wide(pages)
    opening = hold_the_first_look(page)
    sign_in(page, op)
    conversation = open_appeal(page, "Late Client")  # shown by the refresh the feed's answer brings
    reply = conversation.get_by_role("textbox", name="Reply")
    reply.press_sequentially("Two line")

    assert post(http_api, tenant, update(7301, 770302, "Are you there?")).status == 200
    opening[0].continue_()  # answers now, with the client's new message: nothing else can bring it
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("Are you there?")
    page.keyboard.type("s")  # the keyboard, not the textbox: no click puts the focus back
    page.keyboard.press("Enter")
    page.keyboard.type("of text")
    expect(reply).to_have_value("Two lines\nof text")
    expect(reply).to_be_focused()


def test_the_first_look_at_an_appeal_answering_last_leaves_the_operator_on_a_button(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    """As above, with the operator gone to the Take button, not a field: the focus stays there, for
    the Enter meant for it (it used to go to the heading)."""
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name="Button Client", telegram_id=770304))
    page = open_wide(pages)
    opening = hold_the_first_look(page)
    sign_in(page, op)
    conversation = open_appeal(page, "Button Client")
    take = conversation.get_by_role("button", name="Take")
    take.focus()

    assert post(http_api, tenant, update(7303, 770304, "Are you there?")).status == 200
    opening[0].continue_()  # answers now, with the client's new message: nothing else can bring it
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("Are you there?")
    page.evaluate(AFTER_PAINT)
    expect(take).to_be_focused()
    page.keyboard.press("Enter")
    expect(conversation.get_by_role("button", name="Take")).to_have_count(0)  # taken
    expect(conversation.get_by_role("textbox", name="Reply")).to_be_focused()  # after Take: the answer


def test_the_focus_an_action_left_pending_never_moves_later_while_the_operator_types(
    pages: Pages, factory: Factory, http_api: Api
) -> None:
    """The network drops as a note is added: the note fails, and so does the refresh after it that
    would have put the focus on the heading. When the network is back and the client writes, the
    operator typing a reply keeps the focus."""
    tenant, op = shop(factory)
    appeal_id = factory.appeal(tenant, client=factory.client(tenant, name="Offline Client", telegram_id=770303))
    pages.allow(503, str(appeal_id))
    page = open_wide(pages)
    polls: list[Route] = []  # the changes feed, held: no refresh but the one the test lets come
    page.route(CHANGES, lambda route: polls.append(route))
    sign_in(page, op)
    conversation = open_appeal(page, "Offline Client")

    down = {"error": {"code": "service_unavailable", "message": "down"}}
    page.route(NOTES, lambda route: route.fulfill(status=503, json=down))
    page.route(ONE_APPEAL, lambda route: route.fulfill(status=503, json=down))
    conversation.get_by_text("Note", exact=True).click()
    conversation.get_by_role("textbox", name="Internal note").fill("Calls from work")
    conversation.get_by_role("button", name="Add note").click()
    expect(conversation.get_by_role("alert")).to_have_text("The service is temporarily unavailable. Try again shortly.")
    reply = conversation.get_by_role("textbox", name="Reply")
    reply.click()
    page.keyboard.type("Two line")

    page.unroute(ONE_APPEAL)
    page.unroute(NOTES)
    assert post(http_api, tenant, update(7302, 770303, "Hello again")).status == 200
    assert len(polls) == 1  # the feed's first look, waiting since the sign-in
    polls[0].continue_()  # its answer refreshes the conversation
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("Hello again")
    page.evaluate(AFTER_PAINT)  # what runs once the refresh has been painted has run
    page.keyboard.type("s")
    page.keyboard.press("Enter")
    page.keyboard.type("of text")
    expect(reply).to_have_value("Two lines\nof text")
    expect(reply).to_be_focused()


# --- 8. the conversation gets the height ---------------------------------------------------------


def test_at_1366x768_the_thread_gets_most_of_the_height_with_the_tools_open(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    long_appeal(factory, tenant, "Tall Client", 770401)
    page = open_wide(pages)
    sign_in(page, op)
    conversation = open_appeal(page, "Tall Client")
    conversation.get_by_role("button", name="Take").click()
    conversation.get_by_text("Note", exact=True).click()
    conversation.get_by_text("Client data", exact=True).click()
    expect(conversation.get_by_role("textbox", name="Internal note")).to_be_visible()
    box = thread(conversation).bounding_box()
    assert box is not None and box["height"] >= 0.55 * HEIGHT, box
    expect(conversation.get_by_role("textbox", name="Reply")).to_be_in_viewport(ratio=1)
    expect(conversation.get_by_role("button", name="Send")).to_be_in_viewport(ratio=1)


# --- 10. the default filter ----------------------------------------------------------------------


def test_the_default_filter_is_the_open_appeals_and_the_choice_is_remembered(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    for name, status in [("Fresh", "new"), ("Working", "in_progress"), ("Done", "closed"), ("Refused", "rejected")]:
        factory.appeal(tenant, client=factory.client(tenant, name=f"{name} Client"), status=status)
    page = open_wide(pages)
    sign_in(page, op)
    filters = page.get_by_role("group", name="Filter appeals")
    expect(filters.get_by_role("button", name="Open 2")).to_have_attribute("aria-pressed", "true")
    items = appeals(page).get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="Done Client")).to_have_count(0)

    filters.get_by_role("button", name="All (with closed)").click()
    expect(items).to_have_count(4)
    page.reload()
    expect(filters.get_by_role("button", name="All (with closed)")).to_have_attribute("aria-pressed", "true")
    expect(items).to_have_count(4)


# --- 11. a phone typed the Russian way ----------------------------------------------------------


def test_a_phone_typed_with_the_russian_8_is_found(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    factory.appeal(tenant, client=factory.client(tenant, name="Phone Client", phone="+79031112233"))
    factory.appeal(tenant, client=factory.client(tenant, name="Other Client", phone="+79261234567"))
    page = open_wide(pages)
    sign_in(page, op)
    page.get_by_role("searchbox", name="Search").fill("8 903 111")
    items = appeals(page).get_by_role("listitem")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Phone Client")


# --- 12. no failed request, no console error -----------------------------------------------------


def test_a_load_makes_no_failed_request_and_the_tests_would_see_one(pages: Pages, factory: Factory) -> None:
    _, op = shop(factory)
    page = open_wide(pages)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None
    answer = page.request.get(f"/console/{icon.removeprefix('./')}")
    assert (answer.status, answer.headers["content-type"]) == (200, "image/svg+xml")

    # a 4xx answer counts as a failure unless the test expects it (here: proof that the check is on)
    sign_in(page, op, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
    assert any("/auth/login -> 401" in failure for failure in pages.failures())
    pages.errors.clear()

    sign_in(page, op)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="Devices").click()
    expect(page.get_by_role("list", name="Sessions").get_by_role("listitem")).to_have_count(1)
    page.get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert pages.failures() == []  # and the fixture checks again after the test


# --- what an operator expects --------------------------------------------------------------------


def test_photos_open_in_the_page_with_zoom_next_previous_and_download(
    pages: Pages, factory: Factory, http_api: Api, fake_telegram: Any, local_media: Path
) -> None:
    fake_telegram.add_file("photo-a", seed_media.png())
    fake_telegram.add_file("photo-b", seed_media.png())
    tenant, op = shop(factory)
    for n, file_id in enumerate(["photo-a", "photo-b"]):
        photo = update(7300 + n, 770501, None)
        photo["message"]["photo"] = [
            {"file_id": file_id, "file_unique_id": file_id, "width": 160, "height": 96, "file_size": 4000}
        ]
        assert post(http_api, tenant, photo).status == 200
    assert media.dispatch()["ready"] == 2
    page = open_wide(pages)
    sign_in(page, op)
    conversation = open_appeal(page, "Ivan Petrov")
    photos = conversation.get_by_role("link", name="Photo")
    expect(photos).to_have_count(2)
    photos.first.click()

    viewer = page.get_by_role("dialog", name="Photo 1 of 2")
    expect(viewer.get_by_role("img", name="Photo")).to_be_visible()
    expect(viewer.get_by_role("button", name="Previous")).to_be_disabled()
    viewer.get_by_role("button", name="Next").click()
    viewer = page.get_by_role("dialog", name="Photo 2 of 2")
    expect(viewer).to_be_visible()
    zoom = viewer.get_by_role("button", name="Zoom")
    zoom.click()
    expect(zoom).to_have_attribute("aria-pressed", "true")
    download = viewer.get_by_role("link", name="Download")
    expect(download).to_have_attribute("download", re.compile(".+"))
    assert download.get_attribute("href") == photos.nth(1).get_attribute("href")
    viewer.get_by_role("button", name="Previous").focus()
    page.keyboard.press("ArrowRight")  # the arrows page too
    expect(page.get_by_role("dialog", name="Photo 2 of 2")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="Photo 1 of 2")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(photos.first).to_be_focused()


def test_an_image_pasted_into_the_reply_is_sent_as_a_photo(
    pages: Pages, factory: Factory, fake_telegram: Any, local_media: Path
) -> None:
    conversation = one_appeal_open(pages, factory, "Paste Client", 770601)
    reply = conversation.get_by_role("textbox", name="Reply")
    png = list(seed_media.png())
    reply.evaluate(
        """(box, bytes) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "screenshot.png", { type: "image/png" }));
          box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        png,
    )
    files = conversation.get_by_role("list", name="Files to send")
    expect(files).to_contain_text("screenshot.png")
    reply.fill("Your invoice")
    conversation.get_by_role("button", name="Send").click()
    expect(thread(conversation).get_by_role("listitem").last).to_contain_text("sent")
    expect(files).to_have_count(0)
    sent = fake_telegram.calls_to("sendPhoto")
    assert len(sent) == 1 and sent[0].body["caption"] == "Your invoice"


def test_a_failed_answer_says_so_and_its_retry_sends_once(pages: Pages, factory: Factory, fake_telegram: Any) -> None:
    pages.allow(502, "/response")  # Telegram down: the API says so
    conversation = one_appeal_open(pages, factory, "Retry Client", 770701)
    fake_telegram.fail()
    conversation.get_by_role("textbox", name="Reply").fill("We have it in stock")
    conversation.get_by_role("button", name="Send").click()
    last = thread(conversation).get_by_role("listitem").last
    expect(last).to_contain_text("Not sent")
    expect(last).to_contain_text("We have it in stock")
    expect(thread(conversation).get_by_role("listitem").filter(has_text="We have it in stock")).to_have_count(1)

    refused = len(fake_telegram.sent_messages())
    fake_telegram.recover()
    last.get_by_role("button", name="Retry").click()
    expect(last).to_contain_text("sent")
    expect(last).not_to_contain_text("Not sent")
    expect(last.get_by_role("button", name="Retry")).to_have_count(0)
    assert [c.body["text"] for c in fake_telegram.sent_messages()[refused:]] == ["We have it in stock"]


def test_the_whole_inbox_from_the_keyboard(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    for n, name in enumerate(["First", "Second", "Third"]):
        client = factory.client(tenant, name=f"{name} Client")
        datafactory.appeal(factory.conn, tenant.id, client, [Message("in", f"Hello {n}", age_min=10 - n)])
    page = open_wide(pages)
    sign_in(page, op)
    items = appeals(page).get_by_role("listitem")
    expect(items).to_have_count(3)  # newest activity first: Third, Second, First
    conversation = page.get_by_role("region", name="Conversation")

    page.keyboard.press("j")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Third Client")
    page.keyboard.press("j")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Second Client")
    page.keyboard.press("k")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Third Client")

    # the arrows on the list move through it
    items.first.get_by_role("link").focus()
    page.keyboard.press("ArrowDown")
    expect(conversation.get_by_role("heading", level=2)).to_contain_text("Second Client")
    expect(items.nth(1).get_by_role("link")).to_be_focused()

    page.keyboard.press("r")
    expect(conversation.get_by_role("textbox", name="Reply")).to_be_focused()
    page.keyboard.press("Escape")
    conversation.get_by_role("heading", level=2).focus()
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()

    page.get_by_role("heading", name="Appeals", exact=True).click()
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_contain_text("Next appeal")
    expect(shortcuts).to_contain_text("Ctrl+Enter")
    shortcuts.get_by_role("button", name="Done").click()
    expect(shortcuts).to_have_count(0)
    page.get_by_role("button", name="Keyboard shortcuts").click()  # the same list for the mouse
    expect(shortcuts).to_be_visible()
    page.keyboard.press("Escape")
    expect(shortcuts).to_have_count(0)


def test_the_clients_other_appeals_on_any_channel_in_the_conversation(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory)
    client = factory.client(tenant, name="Loyal Client", phone="+79035550011")
    factory.appeal(tenant, client=client, status="closed", text="Last winter's battery")
    factory.appeal(tenant, client=client, text="Again a battery")
    on_vk = datafactory.client(
        factory.conn,
        tenant.id,
        telegram_id=None,
        name="Loyal on VK",
        phone="+79035550011",
        channel="vk",
        external_id="5501",
    )
    vk_appeal, _ = datafactory.appeal(
        factory.conn, tenant.id, on_vk, [Message("in", "Asked on VK too")], status="closed"
    )
    factory.execute("UPDATE appeals SET channel = 'vk' WHERE id = %s", vk_appeal)
    factory.appeal(tenant, client=factory.client(tenant, name="Someone Else"), text="Not related")
    page = open_wide(pages)
    sign_in(page, op)
    item = appeals(page).get_by_role("listitem").filter(has_text="Loyal Client")
    expect(item.get_by_role("img", name="Telegram")).to_be_visible()

    conversation = open_appeal(page, "Loyal Client")
    expect(conversation.get_by_role("heading", level=2).get_by_role("img", name="Telegram")).to_be_visible()
    others = conversation.get_by_role("region", name="The client's other appeals")
    expect(others.get_by_role("listitem")).to_have_count(2)
    expect(others.get_by_role("listitem").filter(has=page.get_by_role("img", name="VK"))).to_contain_text("Closed")
    expect(others.get_by_role("listitem").filter(has=page.get_by_role("img", name="Telegram"))).to_contain_text(
        "Last winter's battery"
    )
    others.get_by_role("listitem").filter(has=page.get_by_role("img", name="VK")).get_by_role("link").click()
    expect(thread(conversation)).to_contain_text("Asked on VK too")
    expect(conversation.get_by_role("heading", level=2).get_by_role("img", name="VK")).to_be_visible()


@pytest.mark.parametrize(
    ("locale", "names"), [("en-US", ["Telegram", "VK", "MAX"]), ("ru-RU", ["Telegram", "ВКонтакте", "MAX"])]
)
def test_each_channel_has_an_icon_with_its_name(pages: Pages, locale: str, names: list[str]) -> None:
    # The console's own icon component, rendered in the page: all three names in both languages.
    page = pages.open(locale=locale)
    expect(page.get_by_role("textbox").first).to_be_visible()
    page.evaluate(
        """async () => {
          const { render } = await import("preact");
          const { html } = await import("./html.js");
          const { ChannelIcon } = await import("./channels.js");
          const box = document.createElement("p");
          document.body.append(box);
          render(html`${["telegram", "vk", "max"].map((c) => html`<${ChannelIcon} channel=${c} />`)}`, box);
        }"""
    )
    for name in names:
        expect(page.get_by_role("img", name=name, exact=True)).to_be_visible()


# --- in Russian ----------------------------------------------------------------------------------


def test_in_russian_reject_close_filters_and_shortcuts(pages: Pages, factory: Factory) -> None:
    tenant, op = shop(factory, name="Анна Оператор")
    factory.appeal(tenant, client=factory.client(tenant, name="Клиент Пётр"), text="Нужен аккумулятор")
    page = open_wide(pages, locale="ru-RU")
    sign_in_ru(page, op)
    filters = page.get_by_role("group", name="Отбор обращений")
    expect(filters.get_by_role("button", name="Открытые 1")).to_have_attribute("aria-pressed", "true")
    appeals_ru = page.get_by_role("list", name="Обращения")
    appeals_ru.get_by_role("listitem").filter(has_text="Клиент Пётр").get_by_role("link").click()
    conversation = page.get_by_role("region", name="Переписка")
    expect(conversation.get_by_role("textbox", name="Ответ")).to_have_accessible_description(
        "Ctrl+Enter — отправить, Enter — новая строка."
    )
    conversation.get_by_role("button", name="Отклонить").click()
    dialog = page.get_by_role("dialog", name="Отклонить обращение?")
    dialog.get_by_role("textbox", name="Причина").fill("Ошиблись номером")
    dialog.get_by_role("button", name="Отклонить обращение").click()
    outcome = conversation.get_by_role("list", name="Сообщения").get_by_role("listitem").last
    expect(outcome).to_contain_text("Отклонено, оператор: Анна Оператор")
    expect(outcome).to_contain_text("Причина: Ошиблись номером")

    page.get_by_role("heading", name="Обращения", exact=True).click()
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Горячие клавиши")
    expect(shortcuts).to_contain_text("Следующее обращение")
    shortcuts.get_by_role("button", name="Готово").click()
    expect(page.get_by_role("button", name="Звук")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("region", name="Уведомления на рабочем столе")).to_be_visible()


def sign_in_ru(page: Page, operator: Operator) -> None:
    page.get_by_role("textbox", name="Логин").fill(operator.login)
    page.get_by_role("textbox", name="Пароль").fill(operator.password)
    page.get_by_role("button", name="Войти").click()
