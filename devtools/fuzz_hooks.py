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
WEBHOOKS = ("/webhook/telegram/", "/webhook/vk/", "/webhook/max/")
# The demo tenant's webhook settings (devtools/seed.py): demo values, not secrets
HEADERS = {
    "/webhook/telegram/{tenant_slug}": {"X-Telegram-Bot-Api-Secret-Token": "demo-telegram-secret"},
    "/webhook/max/{tenant_slug}": {"X-Max-Bot-Api-Secret": "demo-max-secret"},
}
VK = "/webhook/vk/{tenant_slug}"
VK_BODY = {"secret": "demo-vk-secret", "group_id": 229000111}
REPORTS = "/webhook/api/operator/reports/"


def _path(context: HookContext) -> str:
    return context.operation.path if context.operation is not None else ""


def demo_tenant(context: HookContext, path_parameters: dict[str, Any]) -> dict[str, Any]:
    return {**path_parameters, "tenant_slug": DEMO_SLUG} if _path(context).startswith(WEBHOOKS) else path_parameters


def webhook_secret(context: HookContext, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    secret = HEADERS.get(_path(context))
    return {**(headers or {}), **secret} if secret else headers


def vk_secret(context: HookContext, body: Any) -> Any:
    return {**body, **VK_BODY} if _path(context) == VK and isinstance(body, dict) else body


def session(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Every request with the operator's session, the reports with the owner's (set just before the
    call: a command line --header would win over anything generated)."""
    owner = case.operation.path.startswith(REPORTS)
    token = os.environ["FUZZ_OWNER_TOKEN"] if owner else os.environ["FUZZ_TOKEN"]
    case.headers["Authorization"] = f"Bearer {token}"


schemathesis.hook("map_path_parameters")(demo_tenant)
schemathesis.hook("map_headers")(webhook_secret)
schemathesis.hook("map_body")(vk_secret)
schemathesis.hook("before_call")(session)
