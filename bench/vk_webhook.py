"""The VK webhook's figures in `make bench`, beside Telegram's: a text message and a message with
two photos from a client of the demo tenant's VK community, as VK's Callback API delivers them
(through the local gateway, the body's secret and group checked). What VK waits for is the message
recorded (its files ``pending``, fetched by the media jobs afterwards): one statement, the account
cached since the warm-up call. The clients exist and have names (``users.get`` is called once per new client only)."""

from __future__ import annotations

import json
from itertools import count

from bench.inprocess import webhook_figures
from bench.measure import Figure
from devtools import datafactory
from shared.core import db

HEADERS = {"content-type": "application/json"}
GROUP_ID, SECRET = 229000111, "demo-vk-secret"
USERS = range(9_100_000, 9_100_050)  # follow-ups in 50 open appeals
_events = count(1)


def _event(user_id: int, photos: int) -> bytes:
    """A ``message_new`` from ``user_id`` in the community's messages (a new event_id each time)."""
    number = next(_events)
    sizes = [
        {"type": "w", "width": 960, "height": 1280, "url": f"https://sun9-1.userapi.com/bench{i}.jpg"} for i in [0]
    ]
    attachments = [{"type": "photo", "photo": {"id": i, "owner_id": user_id, "sizes": sizes}} for i in range(photos)]
    message = {
        "date": 0, "from_id": user_id, "peer_id": user_id, "id": number, "out": 0, "conversation_message_id": number,
        "text": "label" if photos else "Есть аккумулятор 60 Ач?", "attachments": attachments,
    }  # fmt: skip
    body = {"group_id": GROUP_ID, "type": "message_new", "event_id": f"bench{number:016x}", "v": "5.199",
            "object": {"message": message}, "secret": SECRET}  # fmt: skip
    return json.dumps(body).encode()


def figures(quick: bool) -> list[Figure]:
    def named_clients(conn: db.Connection) -> None:
        tenant = conn.execute("SELECT id FROM tenants WHERE slug = 'demo'").fetchone()
        assert tenant is not None
        for user in USERS:
            datafactory.client(conn, tenant["id"], telegram_id=None, name="Bench", channel="vk", external_id=str(user))

    db.run(named_clients)

    def update(i: int, photos: int) -> bytes:
        return _event(USERS[i % len(USERS)], photos)

    return webhook_figures("VK", "/webhook/vk/demo", HEADERS, "95.142.192.10", update, quick)
