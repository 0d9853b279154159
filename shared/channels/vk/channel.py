"""The VK channel (``CHANNEL``): a community's Callback API deliveries in, the VK API out.

Verification: the body's ``secret`` and ``group_id`` must be the tenant's (constant-time). Sending:
``messages.send`` to the client's ``peer_id`` with a ``random_id`` derived from the outgoing
message's idempotency key, so a retry of the same message is one message on VK; files go through
the upload server (``photos.getMessagesUploadServer`` -> upload -> ``photos.saveMessagesPhoto``;
``docs.getMessagesUploadServer`` -> upload -> ``docs.save``) and are attached to that send.
VK's errors: 900/901/902 (blacklisted, no permission, privacy) -> ``Unreachable``; 6/9 (too many
requests, flood control) -> one retry after ``VK_FLOOD_WAIT_S``, then ``RateLimited``; anything
else -> ``Unavailable``."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, TypeVar

from shared.channels import http, secrets
from shared.channels.base import (
    Account,
    ChannelName,
    DirectReply,
    Inbound,
    OutgoingFile,
    RateLimited,
    Unavailable,
    Unreachable,
    WebhookRequest,
)
from shared.channels.cleaning import clean
from shared.channels.vk import api, updates
from shared.channels.vk.capabilities import CAPABILITIES
from shared.core.observability import logger
from shared.core.settings import get_settings

T = TypeVar("T")

UNREACHABLE_CODES = frozenset({900, 901, 902})
FLOOD_CODES = frozenset({6, 9})
RETRY_AFTER_S = 2  # VK's limits are per second: what the operator's app is told to wait


def random_id(idempotency_key: str) -> int:
    """VK's ``random_id`` (int32) for one outgoing message: the same on every retry of it."""
    return int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:4], "big") & 0x7FFFFFFF


class VkChannel:
    name: ChannelName = "vk"
    capabilities = CAPABILITIES

    def verify(self, request: WebhookRequest, account: Account) -> bool:
        data = request.body if isinstance(request.body, dict) else {}
        secret, group = data.get("secret"), data.get("group_id")
        expected_secret = account.secret or "\x00no-secret\x00"
        secret_ok = hmac.compare_digest(str(secret or "").encode(), expected_secret.encode())
        group_ok = isinstance(group, int) and str(group) == account.extra.get("group_id")
        return secret_ok and group_ok and account.secret is not None

    def parse(self, request: WebhookRequest, account: Account) -> list[Inbound] | DirectReply:
        data = request.body
        if not isinstance(data, dict):
            return []
        if data.get("type") == "confirmation":
            return DirectReply(account.extra.get("confirmation", ""))
        return updates.parse(data)

    def send_text(self, account: Account, external_id: str, text: str, idempotency_key: str) -> str:
        token = secrets.token(account)
        params = {"peer_id": external_id, "message": text, "random_id": random_id(idempotency_key)}
        return str(_checked(lambda: api.call(token, "messages.send", params)))

    def send_file(
        self, account: Account, external_id: str, file: OutgoingFile, caption: str | None, idempotency_key: str
    ) -> str:
        token = secrets.token(account)
        attachment = _checked(lambda: _upload(token, external_id, file))
        params: dict[str, Any] = {"peer_id": external_id, "attachment": attachment}
        params["random_id"] = random_id(idempotency_key)
        if caption:
            params["message"] = caption
        return str(_checked(lambda: api.call(token, "messages.send", params)))

    def download(self, account: Account, ref: str, max_bytes: int) -> bytes:
        return http.download(ref, max_bytes)

    def name_of(self, account: Account, external_id: str) -> str | None:
        """The client's name from ``users.get`` (VK's updates carry none); None when VK won't say."""
        try:
            users = api.call(secrets.token(account), "users.get", {"user_ids": external_id})
        except (api.VkError, Unavailable) as exc:
            logger.warning("vk users.get failed", extra={"error": str(exc)})
            return None
        user = users[0] if isinstance(users, list) and users and isinstance(users[0], dict) else {}
        parts = [user.get("first_name"), user.get("last_name")]
        return clean(" ".join(p for p in parts if isinstance(p, str) and p)).strip() or None


def _upload(token: str, peer_id: str, file: OutgoingFile) -> str:
    """Upload one file for a message to ``peer_id``; its ``attachment`` string for messages.send."""
    if file.kind == "photo":
        server = api.call(token, "photos.getMessagesUploadServer", {"peer_id": peer_id})
        uploaded = api.upload(_upload_url(server), "photo", file.file_name, file.data, file.mime_type)
        saved = api.call(
            token,
            "photos.saveMessagesPhoto",
            {
                "photo": uploaded.get("photo", ""),
                "server": uploaded.get("server", ""),
                "hash": uploaded.get("hash", ""),
            },
        )
        photo = saved[0] if isinstance(saved, list) and saved and isinstance(saved[0], dict) else {}
        return _attachment_string("photo", photo)
    server = api.call(token, "docs.getMessagesUploadServer", {"type": "doc", "peer_id": peer_id})
    uploaded = api.upload(_upload_url(server), "file", file.file_name, file.data, file.mime_type)
    saved = api.call(token, "docs.save", {"file": uploaded.get("file", ""), "title": file.file_name})
    doc = saved.get("doc") if isinstance(saved, dict) else None
    return _attachment_string("doc", doc if isinstance(doc, dict) else {})


def _upload_url(server: Any) -> str:
    url = server.get("upload_url") if isinstance(server, dict) else None
    if not isinstance(url, str) or not url:
        raise Unavailable("no upload server")
    return url


def _attachment_string(kind: str, item: dict[str, Any]) -> str:
    owner, item_id, key = item.get("owner_id"), item.get("id"), item.get("access_key")
    if not isinstance(owner, int) or not isinstance(item_id, int):
        raise Unavailable(f"{kind} not saved")
    return f"{kind}{owner}_{item_id}" + (f"_{key}" if isinstance(key, str) and key else "")


def _checked(step: Callable[[], T]) -> T:
    """Run a VK call, mapping VK's errors to the channel's (one retry after a short wait for flood
    control: VK did not deliver, and random_id would keep a second send single anyway)."""
    for attempt in (1, 2):
        try:
            return step()
        except api.VkError as exc:
            log = {"vk_error": exc.code}
            if exc.code in UNREACHABLE_CODES:
                logger.warning("vk: the client cannot be written to", extra=log)
                raise Unreachable() from None
            if exc.code in FLOOD_CODES and attempt == 1:
                logger.warning("vk rate limit: waiting, then once more", extra=log)
                time.sleep(get_settings().vk_flood_wait_s)
                continue
            if exc.code in FLOOD_CODES:
                raise RateLimited(RETRY_AFTER_S, "VK") from None
            logger.error("vk refused the call", extra={**log, "vk_message": exc.vk_message})
            raise Unavailable(f"VK error {exc.code}") from None
    raise AssertionError("unreachable")  # pragma: no cover


CHANNEL = VkChannel()
