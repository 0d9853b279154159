"""The channel names, and what a channel can do (``Capabilities``): each channel declares its own in
``shared/channels/<name>/capabilities.py``, a module that declares them and nothing else, and
``of(name)`` reads it. A function that only describes an appeal (the detail) learns what its channel
can do without importing the channel interface (``shared.channels.base``, which re-exports these)
or the channel's client."""

import importlib
from typing import Literal, cast, get_args

from shared.core.records import Record

ChannelName = Literal["telegram", "vk", "max"]
CHANNEL_NAMES: tuple[ChannelName, ...] = ("telegram", "vk", "max")

FileKind = Literal["photo", "document", "voice", "video", "audio", "sticker", "animation", "video_note"]
FILE_KINDS: tuple[FileKind, ...] = get_args(FileKind)


class Capabilities(Record):
    """What a channel can do, so the API refuses (409 ``channel_cannot``) before the platform would."""

    edits: bool  # the client's edits reach us (``edit`` events)
    max_text: int  # characters of one outgoing text message
    send_kinds: frozenset[str]  # outgoing file kinds (of an operator's uploads: photo, document)
    max_file_bytes: int  # one outgoing file
    max_caption: int = 1024  # characters of a file's caption

    def cannot(self, kind: str, text: str, file_sizes: tuple[int, ...] = ()) -> str | None:
        """Why the channel cannot send this answer (a sentence for the operator), or None."""
        if kind in FILE_KINDS and kind not in self.send_kinds:
            return f"This channel cannot send a {kind}."
        limit, what = (self.max_caption, "a caption") if kind in FILE_KINDS else (self.max_text, "a message")
        if len(text) > limit:
            return f"This channel sends at most {limit} characters in {what}."
        if any(size > self.max_file_bytes for size in file_sizes):
            return f"This channel sends files of at most {self.max_file_bytes // (1024 * 1024)} MB."
        return None


def of(channel: str) -> Capabilities:
    """What ``channel`` can do; ``KeyError`` for a name we don't know."""
    if channel not in CHANNEL_NAMES:
        raise KeyError(channel)
    return cast(Capabilities, importlib.import_module(f"shared.channels.{channel}.capabilities").CAPABILITIES)
