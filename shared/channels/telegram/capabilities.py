"""What Telegram can do: its ``Capabilities``, alone so the appeal detail can tell the console
without importing the Bot API client. Bot API: a text up to 4096 characters, a caption up to 1024,
an upload up to 50 MB."""

from __future__ import annotations

from shared.channels.capabilities import Capabilities

CAPABILITIES = Capabilities(
    edits=True, max_text=4096, send_kinds=frozenset({"photo", "document"}), max_file_bytes=50 * 1024 * 1024,
    max_caption=1024,
)  # fmt: skip
