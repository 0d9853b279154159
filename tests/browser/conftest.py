"""The console in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium; Playwright
cannot download its own browser here), against the local gateway over HTTP with real PostgreSQL.
Any uncaught page error, console error or failed request (an HTTP error answer included) fails the
test that caused it, unless the test said it expects that answer (`pages.allow(401)`)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    Response,
    expect,
    sync_playwright,
)

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


_FAILED_TO_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


class Pages:
    """Opens pages (each in its own browser context, like a separate computer) and records what
    went wrong in any of them."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.errors: list[str] = []
        self.allowed: list[tuple[int, str]] = []
        self.contexts: list[Any] = []
        self.closing = False

    def open(
        self,
        path: str = "/console/",
        *,
        locale: str = "en-US",
        width: int = 1280,
        height: int = 800,
        init_script: str | None = None,
        permissions: list[str] | None = None,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale=locale,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(8000)
        if permissions:  # otherwise the browser's own default: it would ask
            context.grant_permissions(permissions)
        if init_script:
            context.add_init_script(init_script)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.record(f"page error: {exc}"))
        page.on("console", self.console)
        page.on("response", self.response)
        page.on("requestfailed", self.request_failed)
        page.goto(path)
        return page

    def allow(self, status: int, path_part: str = "") -> None:
        """An HTTP error answer this test expects (a wrong password's 401, Telegram down's 502)."""
        self.allowed.append((status, path_part))

    def failures(self) -> list[str]:
        return list(self.errors)

    def record(self, what: str) -> None:
        if not self.closing:
            self.errors.append(what)

    def expected(self, status: int, url: str) -> bool:
        return any(status == code and part in url for code, part in self.allowed)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        failed = _FAILED_TO_LOAD.match(message.text)
        if failed and self.expected(int(failed.group(1)), str(message.location.get("url", ""))):
            return
        self.record(f"console error: {message.text} at {message.location}")

    def response(self, response: Response) -> None:
        if response.status >= 400 and not self.expected(response.status, response.url):
            self.record(f"failed request: {response.request.method} {response.url} -> {response.status}")

    def request_failed(self, request: Request) -> None:
        # A request cut short by the test's own navigation (a reload mid-poll) is not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.record(f"failed request: {request.method} {request.url}: {request.failure}")

    def close(self) -> None:
        self.closing = True
        for context in self.contexts:
            with contextlib.suppress(Error):
                context.close()


@pytest.fixture
def pages(browser: Browser, http_base_url: str) -> Iterator[Pages]:
    opened = Pages(browser, http_base_url)
    yield opened
    opened.close()
    assert not opened.errors, "\n".join(opened.errors)
