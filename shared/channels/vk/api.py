"""The VK API client: ``call(token, method, params)`` at ``VK_API_BASE_URL`` (``/method/<name>``,
a form POST with ``access_token`` and ``v``) and the multipart upload to an upload server.

VK answers its errors as HTTP 200 with an ``error`` object: ``VkError`` carries its code (the
channel decides what each means). An HTTP failure, a timeout or a body that is not VK's is
``Unavailable``. One retry when the connection could not be made (the request never left).
Neither the token nor a URL (upload URLs are signed) is ever logged."""

from __future__ import annotations

from typing import Any

from shared.channels import http
from shared.channels.base import Unavailable
from shared.core import tracing
from shared.core.observability import logger, mask
from shared.core.settings import get_settings


class VkError(Exception):
    """VK refused the call: ``code`` is VK's ``error_code`` (901, 900, 6, 9, ...)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"VK error {code}")
        self.code = code
        self.vk_message = message[:200]


def call(token: str, method: str, params: dict[str, Any]) -> Any:
    """VK's ``response`` of ``method``; ``VkError`` for VK's refusal, ``Unavailable`` otherwise."""
    mask([token])
    settings = get_settings()
    url = f"{settings.vk_api_base_url.rstrip('/')}/method/{method}"
    form = {**{k: str(v) for k, v in params.items()}, "access_token": token, "v": settings.vk_api_version}
    body = http.json_object(_post(url, method, form))
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("error_code")
        raise VkError(code if isinstance(code, int) else 0, str(error.get("error_msg", "")))
    if "response" not in body:
        raise Unavailable(f"{method}: no response")
    return body["response"]


def upload(url: str, field: str, file_name: str, data: bytes, mime_type: str) -> dict[str, Any]:
    """POST one file to a VK upload server (the URL ``*.getMessagesUploadServer`` gave); its JSON."""
    body = http.json_object(_post(url, "upload", None, (field, (file_name, data, mime_type))))
    if not body or "error" in body:
        raise Unavailable("upload refused")
    return body


def _post(
    url: str, method: str, form: dict[str, str] | None, file: tuple[str, tuple[str, bytes, str]] | None = None
) -> Any:
    import httpx

    for attempt in (1, 2):
        try:
            with tracing.span("vk", method=method):
                if file is None:
                    response = http.client().post(url, data=form)
                else:
                    response = http.client().post(url, files={file[0]: file[1]})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            if attempt == 1:
                logger.warning("vk connection failed, retrying once", extra={"method": method})
                continue
            raise Unavailable(f"{method}: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # maybe delivered: no retry (messages.send's random_id would hold anyway)
            raise Unavailable(f"{method}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise Unavailable(f"{method}: HTTP {response.status_code}")
        return response
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises
