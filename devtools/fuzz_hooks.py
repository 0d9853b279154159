"""Schemathesis hooks for `make fuzz` (``SCHEMATHESIS_HOOKS=devtools.fuzz_hooks``): what lets the
fuzzer's requests past the sign-in checks into the code behind them. The three webhooks go to the
demo tenant with its secrets (Telegram's and MAX's headers; VK's ``secret`` and ``group_id`` in
the body, whatever else the body holds); every request carries the operator's session
(``FUZZ_TOKEN``, signed in by ``devtools.fuzz``), the reports an owner's (``FUZZ_OWNER_TOKEN``)."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis import Case, HookContext

DEMO_SLUG = "demo"
WEBHOOKS = r"^/webhook/(telegram|vk|max)/"
# The demo tenant's webhook settings (devtools/seed.py): demo values, not secrets
HEADERS = {
    "/webhook/telegram/{tenant_slug}": {"X-Telegram-Bot-Api-Secret-Token": "demo-telegram-secret"},
    "/webhook/max/{tenant_slug}": {"X-Max-Bot-Api-Secret": "demo-max-secret"},
}
VK_BODY = {"secret": "demo-vk-secret", "group_id": 229000111}


@schemathesis.hook("map_path_parameters").apply_to(path_regex=WEBHOOKS)
def demo_tenant(context: HookContext, path_parameters: dict[str, Any]) -> dict[str, Any]:
    return {**path_parameters, "tenant_slug": DEMO_SLUG}


@schemathesis.hook("map_headers").apply_to(path=list(HEADERS))
def webhook_secret(context: HookContext, headers: dict[str, Any] | None) -> dict[str, Any]:
    assert context.operation is not None
    return {**(headers or {}), **HEADERS[context.operation.path]}


@schemathesis.hook("map_body").apply_to(path="/webhook/vk/{tenant_slug}")
def vk_secret(context: HookContext, body: Any) -> Any:
    return {**body, **VK_BODY} if isinstance(body, dict) else body


@schemathesis.hook("before_call")
def session(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    # every request with the operator's session, the reports with the owner's
    owner = case.operation.path.startswith("/webhook/api/operator/reports/")
    token = os.environ["FUZZ_OWNER_TOKEN" if owner else "FUZZ_TOKEN"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
