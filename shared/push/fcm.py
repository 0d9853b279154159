"""Sending pushes through FCM HTTP v1: ``POST {base}/v1/projects/{project}/messages:send``, one
request per message, with requests, authorized by google-auth. Only the push dispatcher imports
this module: the two cost ~90 ms of import, which no API function should pay.

In AWS the dispatcher sends to Google's FCM as the Firebase service account (its JSON in Secrets
Manager; a file locally), with an OAuth token for the ``firebase.messaging`` scope that google-auth
fetches, on the dispatcher's thread, before a batch when it has run out. ``FCM_API_BASE_URL``
points at another FCM HTTP v1 server instead (a fake, in tests and ``make run``), with no
credentials. With neither, pushes are logged instead of sent.

A batch's messages go out at once, a thread each (as firebase-admin's ``send_each`` did), so a
batch takes about as long as its slowest request: within ``PUSH_HTTP_TIMEOUT_S``, which the
dispatcher's time margin covers. Retries belong to the outbox (backoff with jitter, across
invocations): an error answer or a timeout is an outcome at once, never retried here; only a
refused connection is tried once more. An outcome names the error as firebase-admin did, so
``last_error`` reads as before: class, code and HTTP status (``UnregisteredError NOT_FOUND http
404``), never FCM's message, which may quote the request.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import requests.adapters
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from urllib3.util import Retry

from shared.core import secret_values, tracing
from shared.core.observability import logger
from shared.core.settings import Settings, get_settings
from shared.push.types import SENT, Outcome, PushMessage, Sender

GOOGLE_FCM = "https://fcm.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
# A refused connection is tried once more; an answer (whatever its status) or a timeout is final.
ONE_CONNECT_RETRY = Retry(total=1, connect=1, read=0, redirect=0, status=0, other=0, respect_retry_after_header=False)

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# FCM's own error codes (an FcmError among the details) that name an error; the others are named
# by the google.rpc status, or without one by the HTTP status.
FCM_ERRORS = {
    "UNREGISTERED": ("UnregisteredError", "NOT_FOUND"),
    "SENDER_ID_MISMATCH": ("SenderIdMismatchError", "PERMISSION_DENIED"),
    "QUOTA_EXCEEDED": ("QuotaExceededError", "RESOURCE_EXHAUSTED"),
    "THIRD_PARTY_AUTH_ERROR": ("ThirdPartyAuthError", "UNAUTHENTICATED"),
    "APNS_AUTH_ERROR": ("ThirdPartyAuthError", "UNAUTHENTICATED"),
}
HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "CONFLICT",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
# The google.rpc codes (and CONFLICT) an error can be named by: those above and these.
RPC_CODES = frozenset(
    {
        *HTTP_CODES.values(),
        "CANCELLED",
        "UNKNOWN",
        "DEADLINE_EXCEEDED",
        "ALREADY_EXISTS",
        "ABORTED",
        "OUT_OF_RANGE",
        "DATA_LOSS",
    }
)
# Errors after which this token will never be accepted: the app was uninstalled or the token is
# malformed or belongs to another Firebase project.
TOKEN_ERRORS = frozenset({"UnregisteredError", "SenderIdMismatchError", "InvalidArgumentError"})

_lock = threading.Lock()
_current: tuple[Settings, Sender] | None = None


def sender() -> Sender:
    """The container's sender for the current settings (built once, on the first dispatch)."""
    global _current
    settings = get_settings()
    with _lock:
        if _current is None or _current[0] is not settings:
            if _current is not None and isinstance(_current[1], FcmSender):
                _current[1].close()
            _current = (settings, _build(settings))
        return _current[1]


def _build(settings: Settings) -> Sender:
    timeout_s = settings.push_http_timeout_s
    if settings.fcm_api_base_url:
        base_url = settings.fcm_api_base_url.rstrip("/")
        anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
        return FcmSender(anonymous, settings.firebase_project_id, base_url, timeout_s)
    account = secret_values.firebase_service_account()
    if account is not None:
        return service_account_sender(account, timeout_s)
    logger.warning("FCM not configured (no FCM_API_BASE_URL, no Firebase credentials): pushes are logged, not sent")
    return LogSender()


def service_account_sender(account: dict[str, Any], timeout_s: float, base_url: str = GOOGLE_FCM) -> FcmSender:
    """Sends as the service account (its JSON), to its project."""
    credential = service_account.Credentials.from_service_account_info(account, scopes=[SCOPE])  # type: ignore[no-untyped-call]
    if not credential.project_id:
        raise ValueError("the Firebase service account has no project_id")
    return FcmSender(credential, credential.project_id, base_url, timeout_s)


class LogSender:
    """Local runs without FCM: each push is logged (kind and ids only) and counts as sent."""

    def send(self, messages: Sequence[PushMessage]) -> list[Outcome]:
        for m in messages:
            sid = str(m.session_id) if m.session_id else None
            logger.info("push (logged, not sent)", extra={"kind": m.kind, "outbox_id": m.outbox_id, "session_id": sid})
        return [SENT] * len(messages)


class FcmSender:
    """Sends to the FCM HTTP v1 server at ``base_url`` as ``credential`` (anonymous for a fake)."""

    def __init__(self, credential: Credentials, project_id: str, base_url: str, timeout_s: float) -> None:
        self.credential, self.project_id, self.timeout_s = credential, project_id, timeout_s
        self.url = f"{base_url}/v1/projects/{project_id}/messages:send"
        self.session = requests.Session()
        self.session.mount(base_url, requests.adapters.HTTPAdapter(pool_maxsize=100, max_retries=ONE_CONNECT_RETRY))
        # What google-auth fetches the OAuth token with: the same timeout as a push.
        self.token_request = functools.partial(Request(self.session), timeout=timeout_s)

    def send(self, messages: Sequence[PushMessage]) -> list[Outcome]:
        if not messages:
            return []
        # Asks FCM for its detailed error answers (with the FcmError codes), as firebase-admin did.
        headers = {"X-GOOG-API-FORMAT-VERSION": "2"}
        # Once per batch, here: the token is fetched (if it has run out) by one thread, not by each.
        # A failure to get one fails the whole batch, which the outbox retries.
        self.credential.before_request(self.token_request, "POST", self.url, headers)  # type: ignore[no-untyped-call]
        with tracing.span("fcm", messages=len(messages)), ThreadPoolExecutor(max_workers=len(messages)) as pool:
            return list(pool.map(functools.partial(self.send_one, headers=headers), messages))

    def send_one(self, message: PushMessage, headers: dict[str, str]) -> Outcome:
        body = {"message": fcm_message(message)}
        try:
            answer = self.session.post(
                self.url, json=body, headers=headers, timeout=self.timeout_s, allow_redirects=False
            )
        except requests.RequestException as exc:
            return transport_outcome(exc)
        return SENT if 200 <= answer.status_code < 300 else error_outcome(answer.status_code, answer.content)

    def close(self) -> None:
        self.session.close()


def fcm_message(m: PushMessage) -> dict[str, Any]:
    """The HTTP v1 message: a data message (FCM's SDK hands it to the app, even in the background),
    high priority on Android."""
    return {"token": m.token, "data": with_notification_tag(m.data), "android": android_config(m.data)}


def android_config(data: dict[str, str]) -> dict[str, str]:
    """High priority; a push about an appeal (its data carries ``appeal_id``) collapses by that
    appeal: FCM keeps only the newest one for an offline phone (``collapse_key``)."""
    appeal_id = data.get("appeal_id")
    return {"priority": "high", "collapse_key": appeal_id} if appeal_id else {"priority": "high"}


def with_notification_tag(data: dict[str, str]) -> dict[str, str]:
    """A push about an appeal also names the notification tag (``appeal-<id>``) the app posts it
    under, so each new one replaces the last on the phone. It travels in the data, not as an
    ``android.notification``: that would turn the data message into a display message, which the
    FCM SDK shows by itself while the app is in the background, never calling ``onMessageReceived``."""
    appeal_id = data.get("appeal_id")
    return {**data, "notification_tag": f"appeal-{appeal_id}"} if appeal_id else data


def error_outcome(status: int, body: bytes) -> Outcome:
    """FCM's error answer as an outcome, named by its FcmError code, else by its google.rpc status,
    else by its HTTP status."""
    rpc_status, fcm_code = error_codes(body)
    if fcm_code in FCM_ERRORS:
        kind, code = FCM_ERRORS[fcm_code]
    else:
        code = rpc_status or HTTP_CODES.get(status, "UNKNOWN")
        code = code if code in RPC_CODES else "UNKNOWN"
        kind = _kind(code)
    return Outcome(ok=False, error=f"{kind} {code} http {status}", token_invalid=kind in TOKEN_ERRORS)


def error_codes(body: bytes) -> tuple[str, str]:
    """The google.rpc status and the first FcmError code of an error answer ("" where missing)."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return "", ""
    details = error.get("details")
    fcm_codes = [
        str(d.get("errorCode"))
        for d in (details if isinstance(details, list) else [])
        if isinstance(d, dict) and d.get("@type") == FCM_ERROR_TYPE
    ]
    return str(error.get("status") or ""), (fcm_codes[0] if fcm_codes else "")


def transport_outcome(exc: requests.RequestException) -> Outcome:
    """No answer: a timeout, a connection that failed (refused twice, or dropped), or another error."""
    if isinstance(exc, requests.Timeout):
        code = "DEADLINE_EXCEEDED"
    elif isinstance(exc, requests.ConnectionError):
        code = "UNAVAILABLE"
    else:
        code = "UNKNOWN"
    return Outcome(ok=False, error=f"{_kind(code)} {code}")


def _kind(code: str) -> str:
    """The error's class name as firebase-admin had it: ``NOT_FOUND`` is ``NotFoundError``."""
    return "".join(word.capitalize() for word in code.split("_")) + "Error"
