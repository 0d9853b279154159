"""VK Callback API events (tests/fixtures/vk/: whole bodies as VK sends them, written from the
VKCOM/vk-api-schema callback and message objects) read into our events: every attachment kind
API.md lists, edits, reachability, and what is ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.channels.base import Attachment, Inbound, Location
from shared.channels.vk import updates
from shared.channels.vk.channel import random_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vk"
CDN = "https://sun9-74.userapi.com"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def only(name: str) -> Inbound:
    events = updates.parse(fixture(name))
    assert len(events) == 1
    return events[0]


def test_a_text_message_is_the_clients_message_with_their_vk_id() -> None:
    event = only("message_new_text")
    assert (event.event, event.kind, event.external_id, event.message_id) == ("message", "text", "512345678", "401")
    assert event.text == "Здравствуйте! Есть аккумулятор 60 Ач на Ладу?"
    assert event.dedup_id == fixture("message_new_text")["event_id"]
    assert event.name is None  # VK names nobody: users.get does, once


def test_a_photo_is_fetched_in_its_largest_size_with_the_text_as_caption() -> None:
    event = only("message_new_photo")
    assert (event.kind, event.text) == ("photo", "Вот такой стоит сейчас")
    assert event.attachments == (Attachment("photo", f"{CDN}/photos/w.jpg?size=960x1280&type=album", "image/jpeg"),)


def test_two_photos_are_two_files_of_one_message() -> None:
    event = only("message_new_two_photos")
    assert event.kind == "photo"
    assert [a.ref for a in event.attachments] == [
        f"{CDN}/photos/w.jpg?size=960x1280&type=album",
        f"{CDN}/photos/second.jpg?size=800x600",
    ]


@pytest.mark.parametrize(
    ("name", "kind", "attachment"),
    [
        (
            "message_new_doc",
            "document",
            Attachment(
                "document", f"{CDN}/docs/schet.pdf?extra=abc&dl=1", "application/pdf", "schet_na_oplatu.pdf", 48213
            ),
        ),
        ("message_new_audio_message", "voice", Attachment("voice", f"{CDN}/voice/v.ogg", "audio/ogg")),
        ("message_new_sticker", "sticker", Attachment("sticker", f"{CDN}/stickers/512.png", "image/png")),
        ("message_new_video_file", "video", Attachment("video", f"{CDN}/video/v480.mp4", "video/mp4")),
    ],
)
def test_each_file_kind_becomes_our_kind_with_the_url_to_fetch(name: str, kind: str, attachment: Attachment) -> None:
    event = only(name)
    assert (event.event, event.kind, event.attachments) == ("message", kind, (attachment,))


def test_a_video_vk_gives_no_file_for_is_kept_as_its_link() -> None:
    event = only("message_new_video")
    assert (event.kind, event.attachments) == ("video", ())
    assert event.text == "Как снять клемму?\nhttps://vk.com/video512345678_456239021"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("message_new_wall", "Это ваша акция?\nhttps://vk.com/wall-229000111_1375"),
        ("message_new_link", "смотрите\nhttps://www.varta-automotive.ru/ru-ru/products/blue-dynamic"),
    ],
)
def test_wall_posts_and_links_are_kept_as_text_with_the_link(name: str, text: str) -> None:
    event = only(name)
    assert (event.kind, event.text, event.attachments) == ("text", text, ())


def test_a_place_is_a_location() -> None:
    event = only("message_new_geo")
    assert (event.kind, event.text) == ("location", "")
    assert event.location == Location(55.751244, 37.618423, "Москва, Красная площадь")


def test_reply_and_forward_are_noted() -> None:
    event = only("message_new_reply_forward")
    assert (event.reply_to, event.forwarded, event.text) == ("400", True, "этот подойдёт?")


def test_an_edit_names_the_message_and_its_new_text() -> None:
    event = only("message_edit")
    assert (event.event, event.external_id, event.message_id) == ("edit", "512345678", "401")
    assert event.text.endswith("Весту?")


def test_allow_and_deny_are_reachability() -> None:
    assert (only("message_allow").event, only("message_allow").external_id) == ("reachable", "512345678")
    assert (only("message_deny").event, only("message_deny").external_id) == ("unreachable", "512345678")


@pytest.mark.parametrize("name", ["message_new_chat", "message_reply", "group_join"])
def test_chats_our_own_echo_and_other_types_are_ignored_but_remembered(name: str) -> None:
    event = only(name)
    assert event.event == "ignored"
    assert event.dedup_id == fixture(name)["event_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "message_new", "event_id": "e1", "object": {"message": "no"}},
        {"type": "message_new", "event_id": "e1", "object": {"message": {"from_id": "1", "peer_id": "1"}}},
        {"type": "message_new", "event_id": "e1", "object": {"message": {"from_id": 5, "peer_id": 5, "text": ""}}},
        {"type": "message_new", "event_id": "e1", "object": None},
        {"type": "message_allow", "event_id": "e1", "object": {"user_id": True}},
        {"type": "message_edit", "event_id": "e1", "object": {"from_id": 5, "peer_id": 5, "text": "x"}},
        {"type": "message_new", "event_id": "e1", "object": {"message": {"from_id": 5, "peer_id": 5, "text": "",
                                                                        "attachments": [{"type": "photo"}, 7]}}},
    ],
)  # fmt: skip
def test_malformed_events_are_ignored_never_an_error(body: dict[str, Any]) -> None:
    assert [e.event for e in updates.parse(body)] == ["ignored"]


def test_an_event_without_an_id_has_nothing_to_remember_it_by() -> None:
    assert updates.parse({"type": "message_new", "object": {}}) == []


def test_random_id_is_fixed_per_outgoing_message_and_an_int32() -> None:
    assert random_id("m-1") == random_id("m-1") != random_id("m-2")
    assert 0 <= random_id("m-1") < 2**31
