"""`make run`'s stand-in for the job worker Lambdas: a background thread that runs a job queue
when a commit kicks it (``shared.core.jobs.kick``) and every minute, like the schedule. The push
outbox by default; ``LocalDispatcher("media", media.dispatch)`` runs the media downloads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shared.core import db, jobs
from shared.core.observability import logger
from shared.core.settings import get_settings
from shared.push import dispatcher


def describe() -> str:
    """Where pushes go with the current settings (printed by `make run` at start)."""
    settings = get_settings()
    if settings.fcm_api_base_url:
        return f"pushes go to the FCM HTTP v1 server at {settings.fcm_api_base_url} (FCM_API_BASE_URL)"
    if settings.firebase_credentials_file or settings.firebase_credentials_secret_arn:
        return "pushes are sent to FCM with the configured Firebase service account"
    return "FCM not configured: pushes are logged, not sent (set FCM_API_BASE_URL to use a fake FCM server)"


class LocalDispatcher:
    def __init__(self, queue: str = "push", run: Callable[[], Any] | None = None, interval_s: float = 60.0) -> None:
        self.queue = queue
        self.run = run or dispatcher.dispatch
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"{queue}-worker", daemon=True)

    def start(self) -> LocalDispatcher:
        self._thread.start()
        jobs.set_local_kicker(self.queue, self.kick)
        self.kick()  # whatever was left over from the last run
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        jobs.set_local_kicker(self.queue, None)
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
                self.run()
            except Exception as exc:  # keep the worker alive; the next kick or minute tries again
                logger.exception(f"local {self.queue} worker failed", extra={"error": type(exc).__name__})
        db.close()
