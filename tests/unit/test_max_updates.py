"""MAX's webhook updates (tests/fixtures/max/: whole updates as MAX sends them) read into our events:
what the operator will see of each kind, and what is ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.channels.base import Attachment, Contact, Inbound, Location
from shared.channels.max.updates import parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "max"
CLIENT_ID = "71234567"


def update(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def events(data: Any) -> list[Inbound]:
    """The events of ``data`` delivered as a body, parsed as the request guard parses it."""
    return parse(json.loads(json.dumps(data, ensure_ascii=False)), "RU")


def one(name: str) -> Inbound:
    [event] = events(update(name))
    return event


def test_a_text_message_in_the_dialog_is_a_message_deduplicated_by_its_mid() -> None:
    event = one("message_created_text")

    assert event.event == "message"
    assert event.dedup_id == event.message_id == "mid.00000000adf429c0019d4a0b11aa0001"
    assert (event.external_id, event.name, event.username) == (CLIENT_ID, "Ирина Соколова", None)
    assert (event.kind, event.text) == ("text", "Здравствуйте! Есть аккумулятор 60 Ач для Гранты?")
    assert event.attachments == () and event.reply_to is None and not event.forwarded


def test_an_image_is_a_photo_fetched_from_its_url_with_the_caption() -> None:
    event = one("message_created_image")

    assert (event.kind, event.text) == ("photo", "Вот такой стоит сейчас")
    assert event.attachments == (
        Attachment(
            "photo",
            ref="https://i.oneme.ru/i?r=BTGBPUwtwgYUeoFhO7rESmr8cUvMHzmN8bhvSWRSMdmqaA",
            mime_type="image/jpeg",
        ),
    )


def test_several_images_in_one_message_are_all_kept() -> None:
    event = one("message_created_album")

    assert (event.kind, event.text) == ("photo", "Две фотографии клеммы")
    assert [(a.kind, a.ref.rsplit("=", 1)[1]) for a in event.attachments] == [
        ("photo", "BTGBPUwtwgYUeoFhO7rESmr8cUvMHzmN8bhvSWRSMdmqaA"),
        ("photo", "BTGBPUwtwgYUeoFhO7rESmr8dVwNIanO9ciwTXSTNenrbB"),
    ]


def test_a_file_is_a_document_with_its_name_size_and_a_type_from_the_name() -> None:
    event = one("message_created_file")

    assert (event.kind, event.text) == ("document", "")
    [file] = event.attachments
    assert file.ref.startswith("https://fd.oneme.ru/getfile?sig=")
    assert (file.file_name, file.mime_type, file.size) == ("чек-гарантия.pdf", "application/pdf", 48213)


def test_audio_video_and_sticker_keep_their_kinds() -> None:
    audio, video, sticker = one("message_created_audio"), one("message_created_video"), one("message_created_sticker")

    assert (audio.kind, audio.text, audio.attachments[0].ref[:26]) == ("audio", "", "https://fd.oneme.ru/getfil")
    # a video's payload URL is a player: its file is found by the token (GET /videos/{token})
    assert (video.kind, video.text) == ("video", "Слышно, как щёлкает реле")
    assert video.attachments == (Attachment("video", ref="dmlkZW9fdG9rZW5fZm9yX3Rlc3Rz", mime_type="video/mp4"),)
    assert sticker.kind == "sticker"
    assert sticker.attachments[0].ref == "https://i.oneme.ru/i?r=BTGBPUwtwgYUeoFhO7rESmr8stk0"


def test_a_location_is_kept_with_its_coordinates() -> None:
    event = one("message_created_location")

    assert (event.kind, event.location, event.attachments) == ("location", Location(55.751244, 37.618423), ())


def test_the_clients_own_contact_gives_their_phone_in_e164() -> None:
    event = one("message_created_contact")

    assert event.kind == "contact"
    assert event.contact == Contact(phone="+79161234567", name="Ирина Соколова", own=True)
    assert event.own_phone == "+79161234567"


def test_someone_elses_contact_is_kept_but_is_not_the_clients_phone() -> None:
    event = one("message_created_contact_other")

    assert event.contact == Contact(phone="+79037654321", name="Пётр Иванов", own=False)
    assert event.own_phone is None


def test_a_reply_names_the_message_it_answers() -> None:
    event = one("message_created_reply")

    assert (event.kind, event.text) == ("text", "Да, подойдёт. Когда можно забрать?")
    assert event.reply_to == "mid.00000000adf429c0019d4a0b11bb0001"
    assert not event.forwarded


def test_a_forwarded_message_brings_the_originals_text() -> None:
    event = one("message_created_forward")

    assert event.event == "message" and event.forwarded
    assert (event.kind, event.text) == ("text", "Аккумулятор сел за одну ночь, гарантия есть?")
    assert event.external_id == CLIENT_ID  # the client who forwarded it, not the original's author
    assert event.dedup_id == "mid.00000000adf429c0019d4a0b11aa000b"


def test_a_link_preview_is_kept_as_text_with_the_link() -> None:
    event = one("message_created_share")

    assert (event.kind, event.text, event.attachments) == ("text", "https://example.ru/akb/60ah", ())


def test_a_link_preview_without_text_is_its_link() -> None:
    data = update("message_created_share")
    data["message"]["body"]["text"] = None

    [event] = events(data)

    assert (event.kind, event.text) == ("text", "https://example.ru/akb/60ah")


def test_a_group_chat_message_is_ignored() -> None:
    event = one("message_created_group_chat")

    assert (event.event, event.external_id, event.why) == ("ignored", None, "not a dialog message from a person")
    assert event.dedup_id == "mid.ffffbdb48e6c3775019d496b34394b84"


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("message_created_text", ("message", "sender", "is_bot"), True),  # a message from a bot
        ("message_created_location", ("update_type",), "message_edited"),  # an edit of a location
    ],
)
def test_a_message_from_a_bot_and_an_edit_of_a_location_are_ignored(
    name: str, path: tuple[str, ...], value: Any
) -> None:
    data = update(name)
    _set(data, path, value)

    [event] = events(data)

    assert event.event == "ignored"


def test_buttons_alone_are_not_a_message() -> None:
    assert (one("message_created_keyboard_only").event, one("message_created_keyboard_only").why) == (
        "ignored",
        "message kind",
    )


def test_an_edit_changes_the_message_of_that_mid_and_each_edit_is_applied_once() -> None:
    event = one("message_edited")

    assert event.event == "edit"
    assert event.message_id == "mid.00000000adf429c0019d4a0b11aa0001"
    assert event.text == "Здравствуйте! Есть аккумулятор 60 Ач для Лады Гранты?"
    # the mid is the original message's: the edit's own dedup id must differ from it, and per edit
    assert event.dedup_id not in (event.message_id, one("message_created_text").dedup_id)
    later = update("message_edited")
    later["timestamp"] += 60_000
    assert events(later)[0].dedup_id != event.dedup_id
    assert events(update("message_edited"))[0].dedup_id == event.dedup_id


def test_bot_started_starts_the_dialog() -> None:
    event = one("bot_started")

    assert (event.event, event.external_id, event.name) == ("start", CLIENT_ID, "Ирина Соколова")
    assert event.dedup_id == "bot_started:71234567:1796544000500"


def test_bot_stopped_makes_the_client_unreachable() -> None:
    event = one("bot_stopped")

    assert (event.event, event.external_id) == ("unreachable", CLIENT_ID)
    assert event.dedup_id == "bot_stopped:71234567:1796544200789"


@pytest.mark.parametrize("name", ["message_removed", "dialog_muted"])
def test_other_update_types_are_ignored(name: str) -> None:
    event = one(name)

    assert (event.event, event.why) == ("ignored", "update type")


@pytest.mark.parametrize(
    "body",  # None: no body, or one the guard found no JSON in
    [None, "", "not json", [], 5, {"timestamp": 1}, {"update_type": "message_created"}, {"update_type": 5}],
)
def test_a_body_that_is_not_an_update_gives_no_event(body: Any) -> None:
    assert parse(body, "RU") == []


def test_nothing_max_could_send_makes_the_parser_raise() -> None:
    """Every value of every field replaced by values of the wrong type: never an exception."""
    oddities: list[Any] = [None, True, -1, 2**70, 1.5, float("nan"), "", "\x00\ud800", [], {}]
    for name in sorted(p.stem for p in FIXTURES.glob("*.json")):
        base = update(name)
        for path in _paths(base):
            for odd in oddities:
                data = update(name)
                _set(data, path, odd)
                for event in events(data) if _dumpable(data) else []:
                    assert event.event in ("message", "edit", "reachable", "unreachable", "start", "ignored")
                    assert "\x00" not in event.text and event.dedup_id


def test_text_is_made_storable() -> None:
    data = update("message_created_text")
    data["message"]["body"]["text"] = "a\x00b"

    [event] = events(data)

    assert event.text == "ab"


def test_a_file_name_cannot_name_a_path() -> None:
    data = update("message_created_file")
    data["message"]["body"]["attachments"][0]["filename"] = "../../etc/passwd"

    [event] = events(data)

    name = event.attachments[0].file_name
    assert name is not None and "/" not in name and name.endswith("passwd")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _dumpable(data: Any) -> bool:
    try:
        json.dumps(data)
    except ValueError:
        return False
    return True


def test_a_message_id_that_is_not_maxs_is_not_stored() -> None:
    data = update("message_created_text")
    data["message"]["body"]["mid"] = "mid.\ud800' OR 1=1"

    [event] = events(data)

    assert (event.event, event.why) == ("ignored", "no message id")
