"""The console in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium; Playwright
cannot download its own browser here), against the local gateway over HTTP with real PostgreSQL.
Any uncaught page error or console error fails the test that caused it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, expect, sync_playwright

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Room for the console's 3 s poll on a busy machine (a passing expectation returns at once).
expect.set_options(timeout=10_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--metrics-recording-only",
    "--disable-dev-shm-usage",
]


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
# while it is started, and other tests call asyncio.run() there.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium"
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Pages:
    """Opens pages (each in its own browser context, like a separate computer) and records what
    went wrong in any of them."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.errors: list[str] = []
        self._contexts: list[Any] = []

    def open(self, path: str = "/console/", *, locale: str = "en-US", width: int = 1280, height: int = 800) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(8000)
        self._contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.goto(path)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not _expected_failed_request(message):
            self.errors.append(f"console error: {message.text} at {message.location}")

    def close(self) -> None:
        for context in self._contexts:
            with contextlib.suppress(Error):
                context.close()


def _expected_failed_request(message: ConsoleMessage) -> bool:
    """Chromium logs every HTTP error answer as a console error ("Failed to load resource: ... 401").
    Those are answers the console handles (a wrong password, an ended session); anything else counts."""
    return message.text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def pages(browser: Browser, http_base_url: str) -> Iterator[Pages]:
    opened = Pages(browser, http_base_url)
    yield opened
    opened.close()
    assert not opened.errors, "\n".join(opened.errors)
