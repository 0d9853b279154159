"""The MAX webhook's figures in `make bench`, beside Telegram's: a text message and a message with
two photos from the demo tenant's MAX bot, as MAX delivers them (through the local gateway, the
secret header checked). What MAX waits for is the message recorded (its files ``pending``, fetched
by the media jobs afterwards), so both are one statement, the account cached since the warm-up."""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path
from typing import Any

from bench.measure import Figure, timed
from devtools.gateway import Gateway
from shared.core import db

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"content-type": "application/json", "x-max-bot-api-secret": "demo-max-secret"}
_mids = count(1)


def _update(user_id: int, photos: int) -> bytes:
    """A ``message_created`` in the bot's dialog with ``user_id`` (a new mid each time)."""
    mid = f"mid.bench{next(_mids):016x}"
    images = [
        {"type": "image", "payload": {"photo_id": i, "token": f"t{i}", "url": f"https://i.oneme.ru/i?r=bench{i}"}}
        for i in range(photos)
    ]
    body = {"mid": mid, "seq": 1, "text": "label" if photos else "Есть аккумулятор 60 Ач?", "attachments": images}
    sender = {"user_id": user_id, "first_name": "Bench", "is_bot": False, "last_activity_time": 0}
    message = {"sender": sender, "recipient": {"chat_id": user_id, "chat_type": "dialog"}, "timestamp": 0, "body": body}
    return json.dumps({"update_type": "message_created", "timestamp": 0, "message": message}).encode()


def figures(quick: bool) -> list[Figure]:
    gateway = Gateway(ROOT / "template.yaml")
    n = 60 if quick else 400

    def webhook(photos: int) -> Any:
        def call(i: int) -> None:
            body = _update(9_000_000 + i % 50, photos)  # follow-ups in 50 open appeals
            status, _, out = gateway.invoke("POST", "/webhook/max/demo", HEADERS, body, "", "5.101.42.200")
            if status != 200:
                raise RuntimeError(f"MAX webhook -> {status}: {out[:200]!r}")

        return call

    figs = [timed("webhook MAX, text", webhook(0), n), timed("webhook MAX, 2 photos", webhook(2), n)]
    db.run(lambda c: c.execute("UPDATE media_jobs SET status = 'dead' WHERE status = 'pending'"))  # nothing to fetch
    return figs
