"""`make screenshots`: PNGs of the console's main screens into docs/screenshots/, from the demo data,
at 1366x768 (an office PC's screen) and one narrow window.

Uses a throwaway database on the PostgreSQL server (DATABASE_URL, else the embedded one), the local
gateway on a free port and Debian's Chromium through Playwright (as the browser tests do).

    python -m devtools.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.conninfo import make_conninfo

from devtools import seed
from shared.core import migrations, settings

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
WIDE: ViewportSize = {"width": 1366, "height": 768}


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from devtools import embedded_pg

    return embedded_pg.ensure_running()


@contextlib.contextmanager
def demo_console(add: Callable[[str], None] | None = None) -> Iterator[str]:
    """The console with the demo data behind the local gateway: yields its base URL. ``add`` gets
    the database's URL after the demo data, for more rows. The database is dropped afterwards; the
    gateway's line per request is shown only when something failed."""
    server = server_url()
    name = f"bcrm_console_{secrets.token_hex(3)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_conninfo(server, dbname=name)
        migrations.apply(url)
        seed.seed(url)
        if add:
            add(url)
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("TELEGRAM_DRY_RUN", "true")
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        settings.reset()
        from devtools.gateway import Gateway
        from shared.core import db

        base_url, stop = Gateway(ROOT / "template.yaml").start_background()
        access_log = io.StringIO()
        try:
            with contextlib.redirect_stderr(access_log):
                yield base_url
        except BaseException:
            sys.stderr.write(access_log.getvalue())
            raise
        finally:
            stop()
            db.close()
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def shoot(base_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    demo = seed.DEMO_TENANTS[0].operators[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(base_url=base_url, locale="en-US", viewport=WIDE)
        page = context.new_page()

        def save(name: str) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            written.append(path)

        page.goto("/console/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        save("sign-in")
        page.get_by_role("textbox", name="Login").fill(demo.login)
        page.get_by_role("textbox", name="Password").fill(demo.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Not now").click()  # the notifications prompt, shown once
        appeals = page.get_by_role("list", name="Appeals")
        appeals.get_by_role("listitem").filter(has_text="Olga K").get_by_role("link").click()
        conversation = page.get_by_role("region", name="Conversation")
        expect(conversation).to_contain_text("Bosch")
        expect(appeals.get_by_role("listitem").filter(has_text="Olga K")).not_to_contain_text("unread")
        expect(conversation.get_by_role("region", name="The client's other appeals")).to_be_visible()
        save("inbox-conversation")

        reply = conversation.get_by_role("textbox", name="Reply")
        reply.click()
        reply.press("/")
        reply.press("ArrowDown")
        expect(page.get_by_role("listbox", name="Quick replies")).to_be_visible()
        save("quick-replies")
        reply.press("Escape")
        reply.fill("")

        conversation.get_by_role("button", name="Reject").click()
        dialog = page.get_by_role("dialog", name="Reject the appeal?")
        dialog.get_by_role("textbox", name="Reason").fill("Asked for a battery we do not sell")
        save("reject-dialog")
        dialog.get_by_role("button", name="Cancel").click()

        page.get_by_role("heading", name="Appeals", exact=True).click()
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        save("keyboard-shortcuts")
        page.keyboard.press("Escape")

        page.get_by_role("link", name="Devices").click()
        expect(page.get_by_role("list", name="Sessions").get_by_role("listitem")).to_have_count(1)
        save("devices")
        page.set_viewport_size({"width": 420, "height": 800})
        page.get_by_role("link", name="Inbox").click()
        expect(appeals.get_by_role("listitem").first).to_be_visible()
        save("inbox-narrow")
        browser.close()
    return written


def take(
    description: str | None, shoot: Callable[[str, Path], list[Path]], add: Callable[[str], None] | None = None
) -> None:
    """A screenshot tool's command line: ``--out``, then ``shoot(base URL, folder)`` on the demo
    console (``add`` as in ``demo_console``); says which files it wrote."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with demo_console(add) as base_url:
        written = shoot(base_url, args.out.resolve())
    for path in written:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> None:
    take(__doc__, shoot)


if __name__ == "__main__":
    main()
