"""Cleaning what a platform says about a client's file and text before it is stored: every channel
calls these, so the safe-media rules apply to all of them.

``clean_mime_type`` / ``clean_file_name`` are the security rules' (``shared.media.safety``); until
that module is on this branch they are a thin local shim with the same signatures."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogate halves (replaced by U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean_mime_type(value: str | None) -> str | None:
    """A well-formed lower-case ``type/subtype`` without parameters, or None."""
    if not value:
        return None
    mime = value.split(";", 1)[0].strip().lower()
    return mime if _MIME.match(mime) else None


def clean_file_name(value: str | None) -> str | None:
    """The name's last path part without control characters, at most 255 characters, or None."""
    if not value:
        return None
    name = _NAME_BAD.sub("_", clean(value).replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name[:255] or None
