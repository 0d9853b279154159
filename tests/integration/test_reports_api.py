"""The report routes over the API: owners only, bad input, the CSV as a file, the role in the login
and session answers, and the events the real code paths write (webhook, take, note, answer,
transfer, close, reopen, reject) in the same transaction as the change."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.helpers import Api, Factory, Operator, Tenant
from tests.integration.test_appeal_reopen import write

pytestmark = pytest.mark.integration

REPORTS = "/webhook/api/operator/reports"
APPEALS = "/webhook/api/operator/appeals"


def owner(factory: Factory, tenant: Tenant | None = None, name: str = "Owner") -> Operator:
    op = factory.operator(tenant or factory.tenant(), name=name)
    factory.execute("UPDATE operators SET role = 'owner' WHERE id = %s", op.id)
    return op


def events(factory: Factory, appeal: UUID) -> list[tuple[Any, ...]]:
    rows = factory.query(
        "SELECT kind, operator_id, from_operator_id, first_answer, replied_to IS NOT NULL AS replied "
        "FROM appeal_events WHERE appeal_id = %s ORDER BY id",
        appeal,
    )
    return [(r["kind"], r["operator_id"], r["from_operator_id"], r["first_answer"], r["replied"]) for r in rows]


def test_an_operator_gets_403_an_owner_the_figures(api: Api, factory: Factory) -> None:
    boss = owner(factory)
    tenant_id = boss.tenant_id
    worker = factory.operator(Tenant(tenant_id, "", ""))
    for path in ("summary", "appeals.csv"):
        reply = api.get(f"{REPORTS}/{path}", token=api.login(worker, "desktop"))
        assert (reply.status, reply.error_code) == (403, "forbidden")
    reply = api.get(f"{REPORTS}/summary", token=api.login(boss, "desktop"))
    assert reply.status == 200, reply.body
    assert reply.body["success"] is True
    assert len(reply.body["volume"]["by_day"]) == 30
    assert reply.body["waiting_now"] == {"count": 0, "oldest_wait_s": None, "appeals": []}


def test_without_a_session_it_is_401(api: Api) -> None:
    assert api.get(f"{REPORTS}/summary").status == 401


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-02-30"},
        {"from": "yesterday"},
        {"to": "2026-1-5"},
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2024-01-01", "to": "2025-01-01"},  # 366 days is the most: this is 367 (2024 is leap)
        {"channel": "whatsapp"},
        {"operator_id": "not-a-uuid"},
    ],
)
def test_bad_input_is_400_invalid_request(api: Api, factory: Factory, query: dict[str, str]) -> None:
    token = api.login(owner(factory), "desktop")
    for path in ("summary", "appeals.csv"):
        reply = api.get(f"{REPORTS}/{path}", token=token, query=query)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), (path, reply.body)


def test_366_days_is_allowed(api: Api, factory: Factory) -> None:
    token = api.login(owner(factory), "desktop")
    reply = api.get(f"{REPORTS}/summary", token=token, query={"from": "2024-01-01", "to": "2024-12-31"})
    assert reply.status == 200 and len(reply.body["volume"]["by_day"]) == 366


def test_another_tenants_operator_is_404(api: Api, factory: Factory) -> None:
    token = api.login(owner(factory), "desktop")
    stranger = factory.operator()
    for path in ("summary", "appeals.csv"):
        reply = api.get(f"{REPORTS}/{path}", token=token, query={"operator_id": str(stranger.id)})
        assert (reply.status, reply.error_code) == (404, "not_found")


def test_the_csv_is_a_utf8_file_with_a_header_row(gateway: Any, api: Api, factory: Factory) -> None:
    boss = owner(factory)
    tenant = Tenant(boss.tenant_id, "", "")
    factory.appeal(tenant, client=factory.client(tenant, name="=cmd|' /C calc'!A0"))
    token = api.login(boss, "desktop")
    status, headers, body = gateway.invoke(
        "GET", f"{REPORTS}/appeals.csv", {"authorization": f"Bearer {token}"}, b"", "", "198.18.9.9"
    )
    assert status == 200
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in lowered["content-disposition"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0][:3] == ["appeal_id", "opened_at", "channel"] and len(rows) == 2
    assert rows[1][3] == "'=cmd|' /C calc'!A0"  # a spreadsheet shows it, never runs it
    assert rows[1][10] == "open"


def test_login_and_session_answers_carry_the_role(api: Api, factory: Factory) -> None:
    boss = owner(factory)
    worker = factory.operator(Tenant(boss.tenant_id, "", ""))
    for op, role in ((boss, "owner"), (worker, "operator")):
        reply = api.post("/webhook/desktop/auth/login", {"login": op.login, "password": op.password})
        assert reply.body["operator"]["role"] == role
        status = api.get("/webhook/api/operator/session", token=reply.body["session_token"])
        assert status.body["operator"]["role"] == role


def test_the_real_code_paths_write_the_events(api: Api, factory: Factory, fake_telegram: FakeTelegram) -> None:
    tenant = factory.tenant()
    boss = owner(factory, tenant, name="Anna")
    factory.telegram_bot(tenant)
    boris = factory.operator(tenant, name="Boris")
    anna_token, boris_token = api.login(boss, "desktop"), api.login(boris, "desktop")

    write(api, tenant, 777, "Do you have a 60Ah battery?")
    write(api, tenant, 777, "For a Lada")
    appeal = UUID(str(factory.one("SELECT id FROM appeals WHERE tenant_id = %s", tenant.id)["id"]))
    assert api.post(f"{APPEALS}/{appeal}/take", {}, token=anna_token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/notes", {"text": "checking stock"}, token=anna_token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/response", {"text": "Yes, 7 900"}, token=anna_token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/transfer", {"operator_id": str(boris.id)}, token=anna_token).status == 200
    assert api.post(f"{APPEALS}/{appeal}/close", {}, token=boris_token).status == 200
    write(api, tenant, 777, "One more question")  # reopens to boris
    write(api, tenant, 888, "Spam")
    spam = UUID(str(factory.one("SELECT id FROM appeals WHERE tenant_id = %s AND id <> %s", tenant.id, appeal)["id"]))
    assert api.post(f"{APPEALS}/{spam}/reject", {}, token=boris_token).status == 200

    assert events(factory, appeal) == [
        ("opened", None, None, False, False),
        ("asked", None, None, False, False),  # one for the run of two messages
        ("taken", boss.id, None, False, False),
        ("answered", boss.id, None, True, True),  # the note is no answer
        ("transferred", boris.id, boss.id, False, False),
        ("closed", boris.id, None, False, False),
        ("reopened", None, None, False, False),
        ("asked", None, None, False, False),
    ]
    assert events(factory, spam) == [
        ("opened", None, None, False, False),
        ("asked", None, None, False, False),
        ("rejected", boris.id, None, False, False),
    ]
    # ... and the owner's report reads them
    summary = api.get(f"{REPORTS}/summary", token=anna_token).body
    assert summary["first_response"]["answered"] == 1 and summary["first_response"]["unanswered"] == 1
    assert summary["lost"] == 1
    assert summary["waiting_now"]["count"] == 1 and summary["waiting_now"]["appeals"][0]["id"] == str(appeal)
    ops = {o["name"]: o for o in summary["operators"]}
    assert (ops["Anna"]["taken"], ops["Anna"]["answered"], ops["Anna"]["transferred_out"]) == (1, 1, 1)
    assert (ops["Boris"]["taken"], ops["Boris"]["closed"], ops["Boris"]["rejected"]) == (1, 1, 1)
