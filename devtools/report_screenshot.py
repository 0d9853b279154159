"""`make screenshots` (its reports part): docs/screenshots/reports.png, the owner's Reports page of
the demo shop with a month of generated history behind it (the demo data alone is a handful of
appeals). The demo console of devtools/screenshots.py (``demo_console``) with that history added.

    python -m devtools.report_screenshot [--out docs/screenshots]
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from devtools import seed
from devtools.screenshots import ARGS, CHROMIUM, take

# A month of the demo shop (Moscow time): 6-20 appeals a day, most in working hours; answered within
# minutes, some only hours later, one in twenty-five never (closed or rejected unanswered).
# Deterministic (setseed), set-based, triggers off; the events rebuilt after.
HISTORY = """
SELECT setseed(0.42);
WITH ops AS (
    SELECT array_agg(id ORDER BY login) AS ids FROM operators WHERE tenant_id = %(t)s
), days AS (
    SELECT d, 6 + floor(random() * 15)::int AS n FROM generate_series(1, 30) d
), a AS (
    SELECT d, k, (date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow')
               - d * interval '1 day'
               + (CASE WHEN random() < 0.85 THEN 9 + random() * 11 ELSE random() * 24 END) * interval '1 hour' AS at,
           random() AS r
      FROM days CROSS JOIN LATERAL generate_series(1, n) k
), c AS (
    INSERT INTO clients (tenant_id, telegram_id, name)
    SELECT %(t)s, 900000000 + d * 100 + k,
           (ARRAY['Ivan', 'Maria', 'Sergey', 'Olga', 'Dmitry', 'Elena', 'Pavel', 'Nina'])[1 + (d + k) %% 8]
           || ' ' || (d * 100 + k)
      FROM a RETURNING id, telegram_id
), ins AS (
    INSERT INTO appeals (tenant_id, client_id, status, assigned_operator_id, preview, created_at, updated_at,
                         closed_at, last_message_at)
    SELECT %(t)s, c.id, CASE WHEN a.r < 0.02 THEN 'rejected' ELSE 'closed' END, ops.ids[1 + (a.d + a.k) %% 2],
           'history', a.at, a.at + interval '2 hours', a.at + interval '2 hours', a.at
      FROM a JOIN c ON c.telegram_id = 900000000 + a.d * 100 + a.k CROSS JOIN ops
    RETURNING id, assigned_operator_id, created_at, status
)
INSERT INTO appeal_messages (tenant_id, appeal_id, direction, text, operator_id, delivery_status, created_at)
SELECT %(t)s, ins.id, m.direction, m.text, CASE WHEN m.direction = 'out' THEN ins.assigned_operator_id END,
       CASE WHEN m.direction = 'out' THEN 'sent' ELSE 'received' END, ins.created_at + m.after
  FROM ins
 CROSS JOIN LATERAL (SELECT (abs(hashtext(ins.id::text)) %% 1000) / 1000.0 AS r) h
 CROSS JOIN LATERAL (SELECT CASE WHEN h.r < 0.75 THEN h.r / 0.75 * interval '15 minutes'
                                 ELSE (h.r - 0.75) * 4 * interval '14 hours' END AS wait) w
 CROSS JOIN LATERAL (VALUES ('in', 'Нужен аккумулятор', interval '0'),
                            ('out', 'Есть в наличии', w.wait),
                            ('in', 'Спасибо!', w.wait + interval '5 minutes')) AS m(direction, text, after)
 WHERE m.direction = 'in' OR (ins.status = 'closed' AND abs(hashtext(ins.id::text)) %% 25 <> 0);
"""


def add_history(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT id FROM tenants WHERE slug = 'demo'").fetchone()
        assert row is not None
        conn.execute("UPDATE operators SET role = 'owner' WHERE login IN ('anna@demo.test', 'olga@other.test')")
        conn.execute("SET session_replication_role = replica")
        for statement in HISTORY.split(";\n"):
            if statement.strip():
                conn.execute(statement, {"t": row[0]})
        conn.execute("RESET session_replication_role")
        conn.execute("SELECT appeal_events_rebuild(%s)", (row[0],))


def shoot(base_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    anna = seed.DEMO_TENANTS[0].operators[0]
    path = out / "reports.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(base_url=base_url, locale="en-US", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto("/console/")
        page.get_by_role("textbox", name="Login").fill(anna.login)
        page.get_by_role("textbox", name="Password").fill(anna.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Reports").click()
        expect(page.get_by_role("table", name="Operators")).to_be_visible()
        page.screenshot(path=str(path), full_page=True)
        browser.close()
    return [path]


def main() -> None:
    take(__doc__, shoot, add=add_history)


if __name__ == "__main__":
    main()
