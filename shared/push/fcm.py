"""Sending pushes with firebase-admin (FCM HTTP v1). Only the push dispatcher imports this module:
firebase-admin costs ~185 ms of import, which no API function should pay.

``FCM_API_BASE_URL`` points firebase-admin at another FCM HTTP v1 server (a fake, in tests and
``make run``) with anonymous credentials. firebase-admin has no public hook for this, so the
messaging service's request URL (the private ``_fcm_url``) is replaced after initialization:
firebase-admin is pinned (functions/push_dispatcher/requirements.txt) and a test sends through
this path to a fake FCM server. Without it and without credentials, pushes are logged instead.

Retries belong to the outbox (backoff with jitter, across invocations), so firebase-admin's own
in-request retries of 500/503 (up to 4, sleeping up to ~7 s) are turned off; a refused
connection is still retried once.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import firebase_admin
import requests.adapters
from firebase_admin import credentials, exceptions, messaging
from google.auth.credentials import AnonymousCredentials
from urllib3.util import Retry

from shared.core import secret_values, tracing
from shared.core.observability import logger
from shared.core.settings import Settings, get_settings
from shared.push.types import SENT, Outcome, PushMessage, Sender

# The Android app registers FCM registration tokens, which HTTP v1 takes as message.token;
# firebase-admin 7.7 deprecates the name in favour of installation ids (fid), a different thing.
warnings.filterwarnings("ignore", message="Message.token is deprecated", category=DeprecationWarning)

GOOGLE_FCM = "https://fcm.googleapis.com"
# Errors after which this token will never be accepted: the app was uninstalled or the token is
# malformed or belongs to another Firebase project.
TOKEN_ERRORS = (messaging.UnregisteredError, messaging.SenderIdMismatchError, exceptions.InvalidArgumentError)
_NO_STATUS_RETRIES = Retry(total=1, connect=1, read=0, redirect=0, status=0, other=0, allowed_methods=None)

_apps = itertools.count(1)
_lock = threading.Lock()
_current: tuple[Settings, Sender] | None = None


def sender() -> Sender:
    """The container's sender for the current settings (built once, on the first dispatch)."""
    global _current
    settings = get_settings()
    with _lock:
        if _current is None or _current[0] is not settings:
            if _current is not None and isinstance(_current[1], FirebaseSender):
                _current[1].close()
            _current = (settings, _build(settings))
        return _current[1]


def _build(settings: Settings) -> Sender:
    if settings.fcm_api_base_url:
        anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
        return FirebaseSender(settings, anonymous, settings.fcm_api_base_url.rstrip("/"))
    account = secret_values.firebase_service_account()
    if account is not None:
        return FirebaseSender(settings, credentials.Certificate(account), None)
    logger.warning("FCM not configured (no FCM_API_BASE_URL, no Firebase credentials): pushes are logged, not sent")
    return LogSender()


class LogSender:
    """Local runs without FCM: each push is logged (kind and ids only) and counts as sent."""

    def send(self, messages: Sequence[PushMessage]) -> list[Outcome]:
        for m in messages:
            sid = str(m.session_id) if m.session_id else None
            logger.info("push (logged, not sent)", extra={"kind": m.kind, "outbox_id": m.outbox_id, "session_id": sid})
        return [SENT] * len(messages)


class FirebaseSender:
    def __init__(self, settings: Settings, credential: Any, base_url: str | None) -> None:
        options: dict[str, Any] = {"httpTimeout": settings.push_http_timeout_s}
        if base_url is not None:
            options["projectId"] = settings.firebase_project_id
        self.app = firebase_admin.initialize_app(credential, options, name=f"batterycrm-push-{next(_apps)}")
        # firebase-admin has no public way to point FCM elsewhere (the fake FCM of the tests and
        # `make run`) or to set its HTTP adapter (no status retries: the outbox retries), asked for
        # upstream in firebase/firebase-admin-node#2980 and firebase/firebase-admin-java#802; hence
        # its messaging service's private members, checked below so an upgrade fails loudly.
        service = messaging._get_messaging_service(self.app)
        if base_url is not None:
            if not isinstance(getattr(service, "_fcm_url", None), str):
                raise RuntimeError("firebase-admin changed: messaging service has no _fcm_url (see shared/push/fcm.py)")
            service._fcm_url = f"{base_url}/v1/projects/{self.app.project_id}/messages:send"
        adapter = requests.adapters.HTTPAdapter(pool_connections=10, pool_maxsize=100, max_retries=_NO_STATUS_RETRIES)
        service._client.session.mount(base_url or GOOGLE_FCM, adapter)

    @property
    def project_id(self) -> str:
        return str(self.app.project_id)

    def send(self, messages: Sequence[PushMessage]) -> list[Outcome]:
        if not messages:
            return []
        batch = [
            messaging.Message(data=with_notification_tag(m.data), token=m.token, android=android_config(m.data))
            for m in messages
        ]
        with tracing.span("fcm", messages=len(batch)):
            response = messaging.send_each(batch, app=self.app)
        return [SENT if r.success else _outcome(r.exception) for r in response.responses]

    def close(self) -> None:
        firebase_admin.delete_app(self.app)


def android_config(data: dict[str, str]) -> messaging.AndroidConfig:
    """High priority; a push about an appeal (its data carries ``appeal_id``) collapses by that
    appeal: FCM keeps only the newest one for an offline phone (``collapse_key``)."""
    appeal_id = data.get("appeal_id")
    return messaging.AndroidConfig(priority="high", collapse_key=appeal_id or None)


def with_notification_tag(data: dict[str, str]) -> dict[str, str]:
    """A push about an appeal also names the notification tag (``appeal-<id>``) the app posts it
    under, so each new one replaces the last on the phone. It travels in the data, not as an
    ``android.notification``: that would turn the data message into a display message, which the
    FCM SDK shows by itself while the app is in the background, never calling ``onMessageReceived``."""
    appeal_id = data.get("appeal_id")
    return {**data, "notification_tag": f"appeal-{appeal_id}"} if appeal_id else data


def _outcome(exc: Exception | None) -> Outcome:
    """The error's class, FCM code and HTTP status: never its message (which may quote input)."""
    parts = [type(exc).__name__]
    if isinstance(exc, exceptions.FirebaseError):
        parts.append(str(exc.code))
        if exc.http_response is not None:
            parts.append(f"http {exc.http_response.status_code}")
    return Outcome(ok=False, error=" ".join(parts), token_invalid=isinstance(exc, TOKEN_ERRORS))
