"""The Reports page in Chromium, by role and accessible name: owners see the link and the figures,
the charts are labelled images, a waiting client opens their appeal, the CSV downloads; operators
see no link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.helpers import Factory, Operator
from tests.reports_history import History

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def sign_in(page: Page, operator: Operator) -> None:
    page.get_by_role("textbox", name="Login").fill(operator.login)
    page.get_by_role("textbox", name="Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()


def test_an_owner_reads_the_figures_and_opens_a_waiting_client(pages: Pages, factory: Factory) -> None:
    tenant = factory.tenant()
    owner = factory.operator(tenant, name="Anna Owner")
    factory.execute("UPDATE operators SET role = 'owner' WHERE id = %s", owner.id)
    history = History(factory, tenant)
    now = datetime.now(UTC)
    answered = history.opens(now - timedelta(hours=3), name="Pavel Answered")
    history.takes(answered, owner, now - timedelta(hours=3) + timedelta(minutes=1))
    history.answers(answered, owner, now - timedelta(hours=3) + timedelta(minutes=5))
    waiting = history.opens(now - timedelta(minutes=40), name="Olga Waiting")

    page = pages.open()
    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()

    median = page.get_by_role("definition").filter(has_text="5 min").first
    expect(median).to_be_visible()
    expect(page.get_by_text("First response (median)").first).to_have_attribute(
        "aria-describedby", "def-first_response"
    )
    expect(page.get_by_role("img", name="Bar chart: 2 appeals opened over 30 days")).to_be_visible()
    expect(page.get_by_role("img", name="Heatmap of openings by weekday and hour")).to_be_visible()
    operators = page.get_by_role("table", name="Operators")
    expect(operators.get_by_role("row", name="Anna Owner")).to_contain_text("5 min")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    path = download.value.path()
    assert path is not None
    lines = open(path, encoding="utf-8").read().splitlines()  # noqa: SIM115
    assert lines[0].startswith("appeal_id,opened_at,channel,client") and len(lines) == 3

    page.get_by_role("list", name="Clients waiting now").get_by_role("link", name="Olga Waiting").click()
    expect(page).to_have_url(f"{pages.base_url}/console/#/appeals/{waiting}")


def test_an_operator_sees_no_reports_link(pages: Pages, factory: Factory) -> None:
    op = factory.operator(factory.tenant(), name="Boris Operator")
    page = pages.open()
    sign_in(page, op)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Devices")).to_be_visible()
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
