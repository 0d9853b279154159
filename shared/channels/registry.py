"""The channels by name: ``get("vk")`` imports ``shared.channels.vk`` on first use, so a function
pays only for the channels it talks to. A new channel adds one line to ``MODULES``."""

from __future__ import annotations

import importlib
from typing import cast

from shared.channels.base import Channel

# channel name -> the module whose ``CHANNEL`` implements ``shared.channels.base.Channel``
MODULES: dict[str, str] = {
    "telegram": "shared.channels.telegram.channel",
    "vk": "shared.channels.vk.channel",
    "max": "shared.channels.max.channel",
}


def get(name: str) -> Channel:
    """The channel called ``name``; ``KeyError`` for a name we don't know."""
    return cast(Channel, importlib.import_module(MODULES[name]).CHANNEL)
