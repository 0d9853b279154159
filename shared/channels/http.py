"""The HTTP plumbing every channel but Telegram shares (Telegram keeps its own client in
``shared.channels.telegram.bot``): one httpx client per container, imported lazily, explicit
timeouts, and the streamed download of an incoming file with a size limit.

Platform URLs may carry tokens (VK's ``access_token`` is a form field, never a query string here),
so neither URLs nor tokens are logged; failures carry only what kind of failure it was."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from shared.channels.base import FetchError
from shared.core.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx

_lock = threading.Lock()
_client: tuple[Settings, httpx.Client] | None = None


def client() -> httpx.Client:
    """The container's HTTP client for channel APIs (rebuilt only when the settings were reloaded)."""
    global _client
    settings = get_settings()
    with _lock:
        if _client is None or _client[0] is not settings:
            import httpx

            for name in ("httpx", "httpcore"):  # they log every URL at INFO
                logging.getLogger(name).setLevel(logging.WARNING)
            if _client is not None:
                _client[1].close()
            timeout = httpx.Timeout(settings.telegram_timeout_s, connect=settings.telegram_connect_timeout_s)
            _client = (settings, httpx.Client(timeout=timeout, follow_redirects=True))
        return _client[1]


def download(url: str, max_bytes: int) -> bytes:
    """The bytes at ``url`` (a platform's file URL), refusing more than ``max_bytes``."""
    import httpx

    if not url.startswith(("https://", "http://")):
        raise FetchError("download: not an http(s) URL")
    try:
        with client().stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchError(f"download: HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("download: larger than the limit", too_large=True)
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError("download: larger than the limit", too_large=True)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchError(f"download: {type(exc).__name__}") from None
