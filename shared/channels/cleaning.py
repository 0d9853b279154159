"""Cleaning what a platform says about a client's file and text before it is stored: every channel
calls these, so the safe-media rules apply to all of them.

``clean_mime_type`` / ``clean_file_name`` are the security rules' (``shared.media.safety``, on its
own branch until it is merged): until then a thin local shim with the same signatures and rules;
once it is merged these two become an import from there."""

from __future__ import annotations

import re
import unicodedata

OCTET_STREAM = "application/octet-stream"
_SURROGATE = re.compile("[\ud800-\udfff]")
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_NAME_CHARS = 255


def clean(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogate halves (replaced by U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean_mime_type(value: str | None) -> str:
    """A strict lower-case ``type/subtype`` (parameters dropped), else ``application/octet-stream``."""
    if not value:
        return OCTET_STREAM
    essence = value.split(";", 1)[0].strip().lower()
    return essence if _MIME.match(essence) else OCTET_STREAM


def clean_file_name(value: str | None) -> str | None:
    """The name without folders (``/``, ``\\``, ``:`` become ``_``), control or invisible
    characters, runs of whitespace, leading/trailing dots and spaces, at most 255 characters; None
    when nothing is left."""
    if not value:
        return None
    kept = []
    for ch in unicodedata.normalize("NFC", clean(value)):
        category = unicodedata.category(ch)
        if ch in "/\\:":
            kept.append("_")
        elif ch.isspace() or category.startswith("Z"):
            kept.append(" ")
        elif category not in _INVISIBLE:
            kept.append(ch)
    name = " ".join("".join(kept).split()).strip(". ")
    return name[:MAX_NAME_CHARS].rstrip(". ") or None
