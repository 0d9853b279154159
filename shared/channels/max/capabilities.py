"""What MAX can do: its ``Capabilities``, alone so the appeal detail can tell the console without
importing the MAX client. A text up to 4000 characters (a caption is the message's text); uploads
up to 2 GB."""

from __future__ import annotations

from shared.channels.capabilities import Capabilities

CAPABILITIES = Capabilities(
    edits=True, max_text=4000, send_kinds=frozenset({"photo", "document"}), max_file_bytes=2 * 1024**3,
    max_caption=4000,
)  # fmt: skip
