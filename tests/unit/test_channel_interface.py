"""The channel interface's own rules: what a channel's capabilities refuse (the 409
``channel_cannot`` reason), how its typed send errors become the API's answers, the registry, and
the cleaning every channel applies to what a platform says about a file."""

from __future__ import annotations

import pytest

from shared.channels import outgoing, registry
from shared.channels.base import Cannot, Capabilities, RateLimited, Unavailable, Unreachable
from shared.channels.cleaning import clean, clean_file_name, clean_mime_type

SMALL = Capabilities(edits=False, max_text=100, send_kinds=frozenset({"photo"}), max_file_bytes=1024, max_caption=10)


@pytest.mark.parametrize(
    ("kind", "text", "sizes", "reason"),
    [
        ("text", "x" * 100, (), None),
        ("text", "x" * 101, (), "This channel sends at most 100 characters in a message."),
        ("photo", "x" * 11, (10,), "This channel sends at most 10 characters in a caption."),
        ("document", "", (10,), "This channel cannot send a document."),
        ("photo", "", (2048,), "This channel sends files of at most 0 MB."),
        ("promo", "x" * 100, (), None),
    ],
)
def test_capabilities_say_why_a_channel_cannot(
    kind: str, text: str, sizes: tuple[int, ...], reason: str | None
) -> None:
    assert SMALL.cannot(kind, text, sizes) == reason


def test_send_errors_become_the_apis_answers() -> None:
    unreachable = outgoing.api_error(Unreachable())
    assert (unreachable.status, unreachable.code) == (409, "client_unreachable")
    limited = outgoing.api_error(RateLimited(7, "VK"))
    assert (limited.status, limited.code, limited.headers) == (502, "channel_unavailable", {"Retry-After": "7"})
    assert limited.message == "VK is rate-limiting the shop's bot; retry in 7 s."  # the platform the client is on
    cannot = outgoing.api_error(Cannot("VK cannot send that."))
    assert (cannot.status, cannot.code, cannot.message) == (409, "channel_cannot", "VK cannot send that.")
    down = outgoing.api_error(Unavailable("VK error 10"))
    assert (down.status, down.code) == (502, "channel_unavailable")
    assert "VK error" not in down.message  # the reason is for the logs; the operator gets the sentence
    told = outgoing.api_error(Unavailable("telegram", "This shop has no Telegram bot configured."))
    assert told.message == "This shop has no Telegram bot configured."


def test_the_registry_knows_each_channel_by_its_name() -> None:
    assert registry.get("telegram").name == "telegram"
    assert registry.get("vk").name == "vk"
    with pytest.raises(KeyError):
        registry.get("whatsapp")


def test_a_text_within_the_channels_limit_passes_and_beyond_it_is_409() -> None:
    outgoing.check("vk", "text", "x" * 4096)
    with pytest.raises(outgoing.ChannelCannot) as refused:
        outgoing.check("vk", "text", "x" * 4097)
    assert (refused.value.status, refused.value.code) == (409, "channel_cannot")


@pytest.mark.parametrize(
    ("raw", "mime"),
    [
        ("IMAGE/JPEG; charset=x", "image/jpeg"),
        ("application/pdf", "application/pdf"),
        ("<script>", "application/octet-stream"),
        ("text/html\r\nSet-Cookie: x", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_mime_types_are_cleaned(raw: str, mime: str) -> None:
    assert clean_mime_type(raw) == mime


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("schet.pdf", "schet.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\\b:c.txt", "a_b_c.txt"),
        ("bad\x00\nname", "bad name"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("...", None),
        (None, None),
    ],
)
def test_file_names_are_cleaned(raw: str | None, name: str | None) -> None:
    assert clean_file_name(raw) == name


def test_text_postgresql_cannot_store_is_cleaned() -> None:
    assert clean("a\x00b\ud800c") == "ab\ufffdc"
