"""The MAX webhook's figures in `make bench`, beside Telegram's: a text message and a message with
two photos from the demo tenant's MAX bot, as MAX delivers them (through the local gateway, the
secret header checked). What MAX waits for is the message recorded (its files ``pending``, fetched
by the media jobs afterwards), so both are one statement, the account cached since the warm-up."""

from __future__ import annotations

import json
from itertools import count

from bench.inprocess import webhook_figures
from bench.measure import Figure

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
    def update(i: int, photos: int) -> bytes:
        return _update(9_000_000 + i % 50, photos)  # follow-ups in 50 open appeals

    return webhook_figures("MAX", "/webhook/max/demo", HEADERS, "5.101.42.200", update, quick)
