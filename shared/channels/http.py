"""The HTTP plumbing the channels share: one httpx client per container (and per redirect policy:
Telegram's follows none), imported lazily, explicit timeouts, a JSON object out of an answer, and
the streamed download of an incoming file with a size limit.

Platform URLs may carry tokens (VK's ``access_token`` is a form field, never a query string here),
so neither URLs nor tokens are logged; failures carry only what kind of failure it was."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from shared.channels.base import FetchError
from shared.core.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx

_lock = threading.Lock()
_clients: dict[bool, tuple[Settings, httpx.Client]] = {}  # by follow_redirects


def client(*, follow_redirects: bool = True) -> httpx.Client:
    """The container's HTTP client for channel APIs (rebuilt only when the settings were reloaded:
    tests, tools). Telegram's follows no redirect: its URLs carry the bot token."""
    settings = get_settings()
    with _lock:
        built = _clients.get(follow_redirects)
        if built is None or built[0] is not settings:
            import httpx

            for name in ("httpx", "httpcore"):  # they log every URL at INFO
                logging.getLogger(name).setLevel(logging.WARNING)
            if built is not None:
                built[1].close()
            timeout = httpx.Timeout(settings.telegram_timeout_s, connect=settings.telegram_connect_timeout_s)
            built = (settings, httpx.Client(timeout=timeout, follow_redirects=follow_redirects))
            _clients[follow_redirects] = built
        return built[1]


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a platform answered; ``{}`` for anything else."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def download(url: str, max_bytes: int, *, follow_redirects: bool = True) -> bytes:
    """The bytes at ``url`` (a platform's file URL), refusing more than ``max_bytes``."""
    import httpx

    if not url.startswith(("https://", "http://")):
        raise FetchError("download: not an http(s) URL")
    try:
        with client(follow_redirects=follow_redirects).stream("GET", url) as response:
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
