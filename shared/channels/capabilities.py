"""Each channel's ``Capabilities`` by name, read from ``shared/channels/<name>/capabilities.py``, a
module that declares them and nothing else: a function that only describes an appeal (the detail)
learns what its channel can do without importing the channel's client."""

from __future__ import annotations

import importlib
from typing import cast

from shared.channels.base import CHANNEL_NAMES, Capabilities


def of(channel: str) -> Capabilities:
    """What ``channel`` can do; ``KeyError`` for a name we don't know."""
    if channel not in CHANNEL_NAMES:
        raise KeyError(channel)
    return cast(Capabilities, importlib.import_module(f"shared.channels.{channel}.capabilities").CAPABILITIES)
