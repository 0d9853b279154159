"""Requests to the handlers in this process through template.yaml's routes (the local gateway's
in-process invoke, a real API Gateway event each): what the separate benches time. Anything but
200 stops the bench with the answer's start."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bench.measure import Figure, timed
from devtools.gateway import Gateway
from shared.core import db, settings

ROOT = Path(__file__).resolve().parent.parent


class Api:
    """GETs with one session's token, the handlers pointed at the database ``url`` first."""

    def __init__(self, url: str, token: str, ip: str) -> None:
        os.environ["DATABASE_URL"] = url
        settings.reset()
        db.close()
        self.gateway = Gateway(ROOT / "template.yaml")
        self.headers = {"authorization": f"Bearer {token}"}
        self.ip = ip

    def get(self, path: str, query: str = "") -> bytes:
        status, _, out = self.gateway.invoke("GET", path, self.headers, b"", query, self.ip)
        if status != 200:
            raise RuntimeError(f"GET {path}?{query} -> {status}: {out[:200]!r}")
        return out


def poster(
    gateway: Gateway, path: str, headers: dict[str, str], ip: str, body: Callable[[int], bytes]
) -> Callable[[int], None]:
    """A call for ``timed``: POST ``body(i)`` to ``path`` from ``ip``."""

    def call(i: int) -> None:
        status, _, out = gateway.invoke("POST", path, headers, body(i), "", ip)
        if status != 200:
            raise RuntimeError(f"POST {path} -> {status}: {out[:200]!r}")

    return call


def webhook_figures(
    channel: str, path: str, headers: dict[str, str], ip: str, update: Callable[[int, int], bytes], quick: bool
) -> list[Figure]:
    """A channel's webhook in `make bench`: a text message and a message with two photos, each
    ``update(i, photos)``."""
    gateway = Gateway(ROOT / "template.yaml")
    n = 60 if quick else 400
    figures = [
        timed(f"webhook {channel}, text", poster(gateway, path, headers, ip, lambda i: update(i, 0)), n),
        timed(f"webhook {channel}, 2 photos", poster(gateway, path, headers, ip, lambda i: update(i, 2)), n),
    ]
    set_aside_media_jobs()
    return figures


def set_aside_media_jobs() -> None:
    """The media jobs a bench's webhooks left pending, marked dead: nothing is fetched for them."""
    db.run(lambda c: c.execute("UPDATE media_jobs SET status = 'dead' WHERE status = 'pending'"))
