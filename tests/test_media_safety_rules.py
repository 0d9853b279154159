"""The media safety rules every channel and the uploads share (shared/media/safety.py)."""

from __future__ import annotations

import pytest

from shared.media import safety


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("application/pdf", "application/pdf"),
        ("Image/PNG; charset=binary", "image/png"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
        ("text/html\r\nSet-Cookie: session=stolen", "application/octet-stream"),
        ("image/svg\u2028+xml", "application/octet-stream"),
        ("video/mp4\x00", "application/octet-stream"),
        ("видео/mp4", "application/octet-stream"),
        ("no-slash", "application/octet-stream"),
        ("", "application/octet-stream"),
        (None, "application/octet-stream"),
    ],
)
def test_a_mime_type_is_a_strict_type_slash_subtype_or_octet_stream(sent: str | None, kept: str | None) -> None:
    assert safety.clean_mime_type(sent) == (kept or sent)


def test_what_a_clean_mime_type_returns_is_always_safe_in_a_header() -> None:
    for sent in ("a/b\r\nX: y", "a/b\n", "a/\u00e9", "a/b c", 'a/"b"', "a/b\x7f"):
        cleaned = safety.clean_mime_type(sent)
        assert cleaned.isascii() and cleaned.isprintable() and " " not in cleaned and '"' not in cleaned


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Счёт №17.pdf", "Счёт №17.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("C:\\Users\\a.txt", "C__Users_a.txt"),
        ("invoice\r\nSet-Cookie: a=b.pdf", "invoice Set-Cookie_ a=b.pdf"),
        ("photo\u2028.jpg", "photo .jpg"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override that shows it as "exe.pdf"
        ("report.pdf. . ", "report.pdf"),
        ("\x00", None),
        ("...", None),
        (None, None),
    ],
)
def test_a_file_name_loses_folders_controls_and_invisible_characters(sent: str | None, kept: str | None) -> None:
    assert safety.clean_file_name(sent) == kept


def test_a_long_file_name_is_cut_keeping_its_extension() -> None:
    name = safety.clean_file_name("a" * 400 + ".pdf")
    assert name is not None and len(name) == 255 and name.endswith("a.pdf")


@pytest.mark.parametrize(
    "name",
    ["setup.exe", "invoice.exe.", "invoice.pdf ", "page.HTML", "logo.svg", "disk.iso", "help.chm", "a.js", "x.lnk"],
)
def test_dangerous_names_are_refused_however_they_are_declared(name: str) -> None:
    assert safety.dangerous_name(name)


@pytest.mark.parametrize("name", ["invoice.pdf", "label.jpg", "prices.xlsx", "notes.txt", "README", "exe.pdf"])
def test_ordinary_names_pass(name: str) -> None:
    assert not safety.dangerous_name(name)


@pytest.mark.parametrize(
    ("mime", "served"),
    [
        ("image/jpeg", ("image/jpeg", "inline")),
        ("image/png", ("image/png", "inline")),
        ("image/webp", ("image/webp", "inline")),
        ("image/gif", ("image/gif", "inline")),
        ("application/pdf", ("application/pdf", "attachment")),
        ("audio/ogg", ("audio/ogg", "attachment")),
        ("text/html", ("application/octet-stream", "attachment")),
        ("image/svg+xml", ("application/octet-stream", "attachment")),
        ("application/xhtml+xml", ("application/octet-stream", "attachment")),
        ("text/xml", ("application/octet-stream", "attachment")),
        ("text/html\r\nSet-Cookie: a=b", ("application/octet-stream", "attachment")),
        (None, ("application/octet-stream", "attachment")),
    ],
)
def test_only_raster_images_are_served_inline(mime: str | None, served: tuple[str, str]) -> None:
    assert safety.served_as(mime) == served


def test_content_disposition_is_ascii_with_the_real_name_encoded() -> None:
    value = safety.content_disposition("attachment", 'Счёт "1"\r\n.pdf')
    assert value.isascii() and "\r" not in value and "\n" not in value
    assert value == "attachment; filename=\"____ _1_ .pdf\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%221%22%20.pdf"
    assert safety.content_disposition("inline", None) == "inline"


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (PDF, "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"PK\x03\x04\x14\x00\x06\x00", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/msword"),
        (b"{\\rtf1\\ansi", "application/rtf"),
        ("Цена;Количество\n".encode(), "text/csv"),
        ("Привет".encode("cp1251"), "text/plain"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
    ],
)
def test_bytes_that_match_their_declared_type(data: bytes, declared: str) -> None:
    assert safety.sniff_matches(data, declared)


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (EXE, "application/pdf"),
        (EXE, "image/jpeg"),
        (EXE, "text/plain"),
        (b"\x7fELF\x02\x01\x01", "text/plain"),
        (PDF, "image/png"),
        (b"<html><script>alert(1)</script>", "image/jpeg"),
        (b"<html><script>alert(1)</script>", "text/html"),  # not a type it knows: never trusted
        (b"", "application/pdf"),
    ],
)
def test_bytes_that_do_not_match_their_declared_type(data: bytes, declared: str) -> None:
    assert not safety.sniff_matches(data, declared)
