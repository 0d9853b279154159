"""`make run`'s stand-in for the dispatcher Lambda: a background thread that dispatches the push
outbox when a commit kicks it (``shared.push.kick``) and every minute, like the schedule."""

from __future__ import annotations

import threading

from shared import db, push
from shared.observability import logger
from shared.settings import get_settings


def describe() -> str:
    """Where pushes go with the current settings (printed by `make run` at start)."""
    settings = get_settings()
    if settings.fcm_api_base_url:
        return f"pushes go to the FCM HTTP v1 server at {settings.fcm_api_base_url} (FCM_API_BASE_URL)"
    if settings.firebase_credentials_file or settings.firebase_credentials_secret_arn:
        return "pushes are sent to FCM with the configured Firebase service account"
    return "FCM not configured: pushes are logged, not sent (set FCM_API_BASE_URL to use a fake FCM server)"


class LocalDispatcher:
    def __init__(self, interval_s: float = 60.0) -> None:
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="push-dispatcher", daemon=True)

    def start(self) -> LocalDispatcher:
        self._thread.start()
        push.set_local_kicker(self.kick)
        self.kick()  # whatever was left over from the last run
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        push.set_local_kicker(None)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                push.dispatch()
            except Exception as exc:  # keep the worker alive; the next kick or minute tries again
                logger.exception("local push dispatcher failed", extra={"error": type(exc).__name__})
        db.close()
