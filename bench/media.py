"""The media figures of `make bench`: the webhook with a photo (what Telegram waits for: the
message and its pending attachment recorded, never the file itself, so independent of the file's
size) and the time from that webhook to the attachment being ``ready`` for a 1 MB photo, fetched
from a fake Bot API into the local media store by the in-process media worker."""

from __future__ import annotations

import json
import tempfile
import time
from itertools import count
from pathlib import Path
from typing import Any

from bench.inprocess import poster, set_aside_media_jobs
from bench.measure import Figure, median, timed
from devtools.gateway import Gateway
from devtools.push_worker import LocalDispatcher
from shared.core import db, settings
from shared.media import downloads as media

ROOT = Path(__file__).resolve().parent.parent
_ids = count(50_000_000)


def _photo_update(file_id: str, size: int, telegram_id: int) -> bytes:
    update_id = next(_ids)
    message = {
        "message_id": update_id,
        "chat": {"id": telegram_id, "type": "private"},
        "from": {"id": telegram_id, "first_name": "Bench"},
        "caption": "label",
        "photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 960, "file_size": size}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


def figures(fake: Any, quick: bool) -> tuple[list[Figure], dict[str, Any]]:
    """(webhook figures for a small and a 1 MB photo, the webhook -> ready summary)."""
    import os

    gateway = Gateway(ROOT / "template.yaml")
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": "demo-telegram-secret"}
    small, large = b"\xff\xd8" + b"s" * 10_000, b"\xff\xd8" + b"L" * 1_048_576
    fake.add_file("bench-small", small)
    fake.add_file("bench-large", large)
    n = 60 if quick else 400

    def webhook(file_id: str, size: int) -> Any:
        def body(i: int) -> bytes:
            return _photo_update(file_id, size, 8_000_000 + i % 50)  # follow-ups in 50 open appeals

        return poster(gateway, "/webhook/telegram/demo", headers, "149.154.167.1", body)

    with tempfile.TemporaryDirectory() as folder:
        os.environ["MEDIA_LOCAL_DIR"] = folder
        settings.reset()
        figs = [
            timed("webhook, 10 KB photo", webhook("bench-small", len(small)), n),
            timed("webhook, 1 MB photo", webhook("bench-large", len(large)), n),
        ]
        set_aside_media_jobs()
        ready = _webhook_to_ready(gateway, headers, len(large), 5 if quick else 20)
    return figs, ready


def _webhook_to_ready(gateway: Gateway, headers: dict[str, str], size: int, runs: int) -> dict[str, Any]:
    """Webhook in, worker kicked after commit (a thread, as under `make run`), poll until ready."""
    worker = LocalDispatcher("media", media.dispatch).start()
    samples: list[float] = []
    try:
        for i in range(runs):
            body = _photo_update("bench-large", size, 8_100_000 + i)
            message_id = json.loads(body)["message"]["message_id"]
            started = time.perf_counter()
            gateway.invoke("POST", "/webhook/telegram/demo", headers, body, "", "149.154.167.1")
            while (status := _status(message_id)) == "pending":
                time.sleep(0.0005)
            if status != "ready":
                raise RuntimeError(f"media ended {status}")
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        worker.stop()
    return {"photo_bytes": size, "runs": runs, "median_ms": round(median(samples), 1), "max_ms": round(max(samples), 1)}


def _status(telegram_message_id: int) -> str:
    row = db.run(
        lambda c: c.execute(
            "SELECT a.status FROM attachments a JOIN appeal_messages m ON m.id = a.message_id "
            "WHERE m.external_message_id = %s",
            (str(telegram_message_id),),
        ).fetchone()
    )
    return str(row["status"]) if row else "pending"
