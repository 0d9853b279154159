"""What a file anyone sends may be declared as, called, and served as: the one place for these rules,
whatever the channel (Telegram, VK, MAX) or the sender (a client, an operator's upload).

A file's ``mime_type`` and name come from the sender and end up in response headers and on an
operator's screen, so they are cleaned where they enter (the webhooks, the upload request):

- ``clean_mime_type(value)``: a strict lower-case ``type/subtype`` (parameters dropped), else
  ``application/octet-stream``. What it returns is always safe in a header (no CR/LF, NUL, spaces
  or non-ASCII).
- ``clean_file_name(value)``: the name without folders, control or invisible characters (CR/LF,
  NUL, U+2028, bidi overrides that disguise ``exe.pdf`` as ``pdf.exe``), trailing dots and spaces;
  None when nothing is left. It may keep non-ASCII letters: it reaches a header only through
  ``content_disposition``, which encodes it.
- ``dangerous_name(name)``: names refused for an upload however they are declared (ending in a dot
  or a space, executable, script, page or disk-image extensions).
- ``sniff_matches(data, declared)``: the bytes' signature agrees with the declared type (PDF,
  JPEG, PNG, WebP, GIF, TIFF, HEIC, office, RTF, text, common audio and video); False for a type
  it does not know, so an unknown type is never trusted.

Serving (the media store's signed links, S3's response overrides, the local media server):
``served_as(mime)`` gives the content type and disposition: only raster images inline (a page can
show them, no browser runs them); everything else, PDF and SVG included, as an ``attachment``, with
its own type only when that type cannot be rendered as a page. ``SERVED_HEADERS`` go on every
media answer: ``nosniff`` (the browser never guesses HTML from the bytes) and
``Content-Security-Policy: sandbox`` (even a page that got through would run no script and have
no origin: it cannot read the console's ``localStorage``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"
MIME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
MAX_NAME_CHARS = 255

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
"""Raster images: shown in the page (``<img>``, a new tab) and never run."""

ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/rtf",
        "application/zip",
        "text/plain",
        "text/csv",
        "image/heic",
        "image/tiff",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/wav",
        "audio/x-wav",
        "video/mp4",
        "video/quicktime",
        "video/webm",
    }
)
"""Served with their own type (so a phone opens them with the right app), always as attachments;
any other type (``text/html``, ``image/svg+xml``, ``application/xml``, ...) as
``application/octet-stream``."""

SERVED_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "sandbox"),
)

DANGEROUS_EXTENSIONS = frozenset(
    {
        # programs and installers
        "exe", "msi", "msp", "msix", "appx", "com", "scr", "pif", "cpl", "dll", "sys", "drv", "ocx", "apk", "aab",
        "app", "dmg", "pkg", "deb", "rpm", "run", "bin", "elf", "appimage", "jar", "class", "gadget", "application",
        # scripts and shortcuts
        "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "wsc", "hta", "sh", "bash",
        "zsh", "csh", "py", "pyw", "pl", "rb", "php", "lnk", "url", "website", "scf", "inf", "ins", "reg", "msc",
        "jnlp", "settingcontent-ms", "library-ms", "xbap", "cab",
        # pages and documents that run script when opened
        "html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "chm", "hlp", "swf",
        # disk images (mounted, their contents skip the download's mark)
        "iso", "img", "vhd", "vhdx", "udf",
    }
)  # fmt: skip

_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_OOXML_OR_ODF = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
    }
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_STARTS = (b"MZ", b"\x7fELF", b"PK\x03\x04", _OLE, b"%PDF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")


def clean_mime_type(value: str | None) -> str:
    """A strict ``type/subtype`` (lower case, parameters dropped) or ``application/octet-stream``."""
    if not value:
        return OCTET_STREAM
    essence = value.split(";", 1)[0].strip().lower()
    return essence if MIME_PATTERN.match(essence) else OCTET_STREAM


def clean_file_name(value: str | None) -> str | None:
    """The name to store and show: NFC, no folders (``/``, ``\\``, ``:`` become ``_``), no control or
    invisible characters, whitespace collapsed, no leading/trailing dots or spaces, at most 255
    characters (the extension kept); None when nothing is left."""
    if not value:
        return None
    text = unicodedata.normalize("NFC", value)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "/\\:":
            kept.append("_")
        elif ch.isspace() or category.startswith("Z"):  # CR, LF, tab, U+2028, no-break space
            kept.append(" ")
        elif category not in _INVISIBLE:
            kept.append(ch)
    name = " ".join("".join(kept).split()).strip(". ")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            name = name[:MAX_NAME_CHARS].rstrip(". ")
    return name or None


def extension(name: str) -> str:
    """The last extension, lower case, after any trailing dots and spaces (``a.EXE. `` -> ``exe``)."""
    stripped = name.rstrip(". \t")
    return stripped.rsplit(".", 1)[-1].casefold() if "." in stripped else ""


def dangerous_name(name: str) -> bool:
    """Refused for an upload: ends in a dot or a space (Windows drops them: ``a.exe.`` runs as
    ``a.exe``), or its extension runs, renders as a page, or mounts."""
    return name != name.rstrip(". \t") or extension(name) in DANGEROUS_EXTENSIONS


def served_as(mime: str | None) -> tuple[str, str]:
    """``(content type, disposition)`` a stored file is served with: ``inline`` for raster images,
    ``attachment`` for everything else (its own type when harmless, else octet-stream)."""
    cleaned = clean_mime_type(mime)
    if cleaned in INLINE_TYPES:
        return cleaned, "inline"
    return (cleaned if cleaned in ATTACHMENT_TYPES else OCTET_STREAM), "attachment"


def content_disposition(disposition: str, file_name: str | None) -> str:
    """The header value, ASCII only: ``attachment; filename="invoice.pdf"; filename*=UTF-8''...``
    (RFC 6266: an ASCII fallback, and the real name percent-encoded)."""
    name = clean_file_name(file_name)
    if not name:
        return disposition
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ftyp(*brands: bytes) -> Callable[[bytes], bool]:
    return lambda head: head[4:8] == b"ftyp" and (not brands or head[8:12] in brands)


_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda head: head.startswith((b"GIF87a", b"GIF89a")),
    "image/webp": lambda head: head.startswith(b"RIFF") and head[8:12] == b"WEBP",
    "image/tiff": lambda head: head.startswith((b"II*\x00", b"MM\x00*")),
    "image/heic": _ftyp(b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"),
    "application/msword": lambda head: head.startswith(_OLE),
    "application/vnd.ms-excel": lambda head: head.startswith(_OLE),
    "application/rtf": lambda head: head.startswith(b"{\\rtf"),
    "audio/ogg": lambda head: head.startswith(b"OggS"),
    "audio/mpeg": lambda head: head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0),
    "audio/wav": lambda head: head.startswith(b"RIFF") and head[8:12] == b"WAVE",
    "audio/x-wav": lambda head: head.startswith(b"RIFF") and head[8:12] == b"WAVE",
    "audio/mp4": _ftyp(),
    "video/mp4": _ftyp(),
    "video/quicktime": lambda head: head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"),
    "video/webm": lambda head: head.startswith(b"\x1a\x45\xdf\xa3"),
    **dict.fromkeys(_OOXML_OR_ODF, lambda head: head.startswith(b"PK\x03\x04")),
}


SNIFF_BYTES = 64 * 1024  # how much of a file ``sniff_matches`` reads: its first bytes are enough


def sniff_matches(data: bytes, declared: str | None) -> bool:
    """Do the bytes (the file's first ``SNIFF_BYTES``, or all of it) look like the declared type?
    Signatures of the types uploads and channels carry; False for a type not known here."""
    mime = clean_mime_type(declared)
    if mime == "application/pdf":
        return b"%PDF-" in data[:1024]  # readers accept a few junk bytes before the header
    if mime in ("text/plain", "text/csv"):
        return _is_text(data)
    check = _SIGNATURES.get(mime)
    return check is not None and check(data[:64])


def _is_text(data: bytes) -> bool:
    """Text: no NUL byte, not a known binary format, valid UTF-8 (or a single-byte legacy code
    page: any byte above 0x7F is allowed then, control bytes are not)."""
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample or sample.startswith(_BINARY_STARTS):
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # the sample cut a character in two
            return True
    return not any(byte < 32 and byte not in (9, 10, 12, 13) for byte in sample)
