"""axe-core (vendored in tests/browser/vendor/) in Chromium over each main view of the console, in
English and in Russian: no serious or critical violation on sign-in, the inbox, a conversation (and
its dialogs) and the devices."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools import datafactory
from tests.browser.conftest import Pages
from tests.browser.test_workspace import held_appeal
from tests.helpers import Factory

pytestmark = [pytest.mark.browser, pytest.mark.integration]

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
WORDS = {
    "en-US": {
        "login": "Login",
        "password": "Password",
        "sign_in": "Sign in",
        "appeals": "Appeals",
        "conversation": "Conversation",
        "reject": "Reject",
        "dialog": "Reject the appeal?",
        "cancel": "Cancel",
        "devices": "Devices",
        "sessions": "Sessions",
        "shortcuts": "Keyboard shortcuts",
    },
    "ru-RU": {
        "login": "Логин",
        "password": "Пароль",
        "sign_in": "Войти",
        "appeals": "Обращения",
        "conversation": "Переписка",
        "reject": "Отклонить",
        "dialog": "Отклонить обращение?",
        "cancel": "Отмена",
        "devices": "Устройства",
        "sessions": "Сеансы",
        "shortcuts": "Горячие клавиши",
    },
}


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now (page.evaluate runs outside
    the page's Content-Security-Policy, so the console's CSP stays as it is)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    found: list[str] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" "))}`);
        }"""
    )
    return found


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_no_serious_or_critical_violations_in_the_main_views(pages: Pages, factory: Factory, locale: str) -> None:
    words = WORDS[locale]
    tenant = factory.tenant()
    op = factory.operator(tenant, name="Anna Operator")
    factory.operator(tenant, name="Boris Colleague")
    datafactory.quick_reply(factory.conn, tenant.id, title="Hello", text="Good afternoon!")
    held_appeal(factory, tenant, factory.client(tenant, name="Pavel Client", phone="+79031112233"), op)
    factory.appeal(tenant, client=factory.client(tenant, name="Second Client"), text="Hello")
    page = pages.open(locale=locale, width=1366, height=768)
    seen: dict[str, list[str]] = {}

    expect(page.get_by_role("button", name=words["sign_in"])).to_be_visible()
    seen["sign-in"] = serious_violations(page)

    page.get_by_role("textbox", name=words["login"]).fill(op.login)
    page.get_by_role("textbox", name=words["password"]).fill(op.password)
    page.get_by_role("button", name=words["sign_in"]).click()
    items = page.get_by_role("list", name=words["appeals"]).get_by_role("listitem")
    expect(items).to_have_count(2)
    seen["inbox"] = serious_violations(page)

    items.filter(has_text="Pavel Client").get_by_role("link").click()
    conversation = page.get_by_role("region", name=words["conversation"])
    expect(conversation.get_by_role("listitem").filter(has_text="Calls often")).to_be_visible()
    reply = conversation.get_by_role("textbox").first
    reply.click()
    reply.press("/")  # the quick-reply list open
    expect(page.get_by_role("listbox")).to_be_visible()
    seen["conversation"] = serious_violations(page)
    reply.press("Escape")

    conversation.get_by_role("button", name=words["reject"], exact=True).click()
    dialog = page.get_by_role("dialog", name=words["dialog"])
    expect(dialog).to_be_visible()
    seen["reject dialog"] = serious_violations(page)
    dialog.get_by_role("button", name=words["cancel"]).click()

    page.get_by_role("heading", name=words["appeals"], exact=True).click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name=words["shortcuts"])).to_be_visible()
    seen["shortcuts"] = serious_violations(page)
    page.keyboard.press("Escape")

    page.get_by_role("link", name=words["devices"]).click()
    expect(page.get_by_role("list", name=words["sessions"]).get_by_role("listitem")).to_have_count(1)
    seen["devices"] = serious_violations(page)

    assert {view: found for view, found in seen.items() if found} == {}
