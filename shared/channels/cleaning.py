"""Cleaning what a platform says about a client's file and text before it is stored: every channel
calls these, so the safe-media rules apply to all of them. ``clean_mime_type`` and
``clean_file_name`` are the security rules' own (``shared.media.safety``)."""

from __future__ import annotations

import re

from shared.media.safety import OCTET_STREAM, clean_file_name, clean_mime_type

__all__ = ["OCTET_STREAM", "clean", "clean_file_name", "clean_mime_type"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogate halves (replaced by U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
