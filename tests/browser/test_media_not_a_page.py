"""A client's file opened by an operator in the browser where the console is signed in never runs
as a page: the console's session token in localStorage stays out of its reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error, Page, expect

from shared.media import downloads as media
from tests.browser.conftest import Pages
from tests.browser.test_console import shop, sign_in
from tests.helpers import Api, Factory
from tests.integration.test_appeals_webhook import post, update

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TOKEN_KEY = "batterycrm.console.session"
# What an attacker's page would do with the token: keep a copy and send it away.
STEAL = (
    "localStorage.setItem('stolen', localStorage.getItem('batterycrm.console.session') || 'none');"
    "fetch('/stolen?t=' + encodeURIComponent(localStorage.getItem('batterycrm.console.session')));"
)
PAGE = f"<!doctype html><html><body><script>{STEAL}</script>hello</body></html>".encode()
SVG = f'<svg xmlns="http://www.w3.org/2000/svg"><script>{STEAL}</script></svg>'.encode()


def open_media(page: Page, url: str) -> None:
    """Open the link as the operator would (a new address in this tab); a download is not a page."""
    try:
        page.goto(url, wait_until="load")
    except Error as exc:  # Chromium aborts the navigation when the answer is a download
        assert "Download is starting" in str(exc) or "net::ERR_ABORTED" in str(exc), exc


@pytest.mark.parametrize(
    ("data", "mime", "name"), [(PAGE, "text/html", "offer.html"), (SVG, "image/svg+xml", "logo.svg")]
)
def test_a_clients_html_or_svg_opened_in_the_signed_in_browser_runs_no_script(
    pages: Pages,
    factory: Factory,
    http_api: Api,
    fake_telegram: Any,
    local_media: Path,
    data: bytes,
    mime: str,
    name: str,
) -> None:
    # Given an operator signed in to the console (its token in localStorage), and media served by
    # the same local gateway as the console
    tenant, op = shop(factory)
    page = pages.open()
    sign_in(page, op)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate(f"localStorage.getItem('{TOKEN_KEY}')")
    stolen: list[str] = []
    page.context.on("request", lambda request: stolen.append(request.url) if "/stolen" in request.url else None)
    # And a client who sends a page (or an SVG with a script) as a document
    fake_telegram.add_file("attack", data)
    sent = update(602, 880004, None)
    sent["message"]["document"] = {"file_id": "attack", "file_unique_id": "a1", "file_size": len(data)}
    sent["message"]["document"].update(mime_type=mime, file_name=name)
    assert post(http_api, tenant, sent).status == 200
    assert media.dispatch()["ready"] == 1
    token = http_api.login(op)
    [appeal] = http_api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    detail = http_api.get(f"/webhook/api/operator/appeals/{appeal['id']}", token=token).body["appeal"]
    url = detail["messages"][-1]["attachments"][0]["url"]
    # When the operator opens the file's link in that browser
    open_media(page, url)
    # Then no script of the file ran: nothing read the token, nothing was sent anywhere
    page.goto("/console/")
    assert page.evaluate("localStorage.getItem('stolen')") is None
    assert stolen == []
