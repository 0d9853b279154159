"""The Bot API calls for files, on the same HTTP client as ``shared.channels.telegram.bot``: ``getFile`` and the
file download (for the media jobs), ``sendPhoto`` / ``sendDocument`` (operator attachments).

The file URL is ``<base>/file/bot<token>/<file_path>``: it carries the token, so neither the
URL nor the token ever reaches a log or an error message; errors say only what kind of failure.
"""

from __future__ import annotations

from typing import Any

from shared.channels import http
from shared.channels.base import FetchError
from shared.channels.telegram import bot as telegram_bot
from shared.core.observability import mask
from shared.core.settings import get_settings

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # sendPhoto's limit; larger images go as documents


def _base(token: str) -> str:
    mask([token])
    return get_settings().telegram_api_base_url.rstrip("/")


def get_file(token: str, file_id: str) -> tuple[str, int | None]:
    """``getFile``: the file's path on Telegram's file server and its size (when told)."""
    import httpx

    try:
        response = telegram_bot.http_client().post(f"{_base(token)}/bot{token}/getFile", json={"file_id": file_id})
    except httpx.HTTPError as exc:
        raise FetchError(f"getFile: {type(exc).__name__}") from None
    body = http.json_object(response)
    result = body.get("result")
    if response.status_code != 200 or not body.get("ok") or not isinstance(result, dict):
        description = str(body.get("description", ""))[:200]
        too_large = "too big" in description.lower()
        raise FetchError(f"getFile: HTTP {response.status_code} {description}".strip(), too_large=too_large)
    path = result.get("file_path")
    if not isinstance(path, str) or not path:
        raise FetchError("getFile: no file_path (file too large for the Bot API?)", too_large=True)
    size = result.get("file_size")
    return path, size if isinstance(size, int) else None


def download(token: str, file_path: str, max_bytes: int) -> bytes:
    """The file's bytes, refusing more than ``max_bytes`` (``FetchError`` with ``too_large``)."""
    url = f"{_base(token)}/file/bot{token}/{file_path.lstrip('/')}"
    return http.download(url, max_bytes, follow_redirects=False)


def send_file(token: str, chat_id: int, data: bytes, file_name: str, mime_type: str, caption: str | None) -> int:
    """One attachment to the client: images Telegram shows as photos with ``sendPhoto``, anything
    else with ``sendDocument`` (multipart upload of the stored bytes); the caption under it.
    Returns Telegram's message_id; Telegram's refusals are ``telegram_bot.call_bot``'s (403: the
    client is unreachable; a short 429 waited out; anything else ``ChannelUnavailable``)."""
    as_photo = mime_type in PHOTO_TYPES and len(data) <= PHOTO_MAX_BYTES
    method, field = ("sendPhoto", "photo") if as_photo else ("sendDocument", "document")
    form: dict[str, Any] = {"chat_id": str(chat_id)}
    if caption:
        form["caption"] = caption
    result = telegram_bot.call_bot(token, method, form, upload=(field, (file_name, data, mime_type)))
    return int(result["message_id"])
