"""The local media store behind the local gateway: ``/media/<key>?method=&expires=&ct=&size=&sig=``.

Serves what ``shared.media.store.LocalStore`` signs: a GET answers the stored bytes as
``shared.media.safety.served_as`` says for the type signed into the link (raster images inline,
anything else an attachment named by the signed file name), with ``nosniff`` and
``Content-Security-Policy: sandbox`` on every answer; a PUT stores the request body (the content
type and size it was signed for) - the local stand-in for S3's presigned URLs. An unsigned,
tampered or expired URL is 403; no session header is needed or read.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote
from wsgiref.headers import Headers

from shared.core.settings import get_settings
from shared.media import safety
from shared.media.store import LOCAL_PREFIX, LocalStore, MediaMissing, StoreUnavailable, check_key, sign

Response = tuple[int, Headers, bytes]


def handles(path: str) -> bool:
    return path.startswith(LOCAL_PREFIX)


def _headers(*pairs: tuple[str, str]) -> Headers:
    return Headers([*pairs, *safety.SERVED_HEADERS])


def _json(status: int, code: str) -> Response:
    body = f'{{"success": false, "error": {{"code": "{code}", "message": "{code.replace("_", " ")}"}}}}'
    return status, _headers(("content-type", "application/json")), body.encode()


def serve(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Response:
    settings = get_settings()
    params = dict(parse_qsl(query))
    try:
        key = check_key(unquote(path[len(LOCAL_PREFIX) :]))
        expires = int(params.get("expires", "0"))
        size = int(params.get("size", "0"))
    except ValueError:
        return _json(404, "not_found")
    signed_method, content_type, file_name = params.get("method", ""), params.get("ct", ""), params.get("fn", "")
    expected = sign(signed_method, key, expires, content_type, size, settings, file_name)
    if not hmac.compare_digest(expected, params.get("sig", "")) or expires < time.time():
        return _json(403, "forbidden")
    store = LocalStore(settings)
    if method in ("GET", "HEAD") and signed_method == "GET":
        try:
            data = store.get(key)
        except MediaMissing:
            return _json(404, "not_found")
        except StoreUnavailable:
            return _json(503, "service_unavailable")
        served_type, disposition = safety.served_as(content_type or store.content_type(key))
        served = safety.content_disposition(disposition, file_name)
        return 200, _headers(("content-type", served_type), ("content-disposition", served)), data
    if method == "PUT" and signed_method == "PUT":
        sent_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if sent_type.split(";")[0].strip().lower() != content_type.lower():
            return _json(403, "forbidden")
        if len(body) > size:
            return _json(413, "payload_too_large")
        try:
            store.put(key, body, content_type)
        except StoreUnavailable:
            return _json(503, "service_unavailable")
        return 200, _headers(("content-type", "application/json")), b'{"success": true}'
    return _json(405, "method_not_allowed")
