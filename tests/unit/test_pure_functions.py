"""Direct tests of the pure functions that take outside input (no database, no HTTP): what a phone,
a cursor or a secret turns into, given examples a person would write. tests/test_properties.py
throws generated input at the same functions; these pin down the answers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.appeals import changes
from shared.appeals import listing as appeals
from shared.appeals.normalize import e164
from shared.core.errors import InvalidRequest
from shared.core.secret_values import url_from_secret

ID = UUID("5b0c7f8e-0000-4000-8000-000000000001")
MOMENT = datetime(2026, 11, 23, 5, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("+7 912 345 67 89", "RU", "+79123456789"),
        ("9123456789", "RU", "+79123456789"),
        ("+7 701 234 56 78", "KZ", "+77012345678"),
        ("+49 30 901820", "RU", "+4930901820"),  # an explicit country code wins over the region
    ],
)
def test_a_phone_is_stored_in_e164_however_it_was_typed(typed: str, region: str, expected: str) -> None:
    assert e164(typed, region) == expected


@pytest.mark.parametrize("typed", ["", "123", "not a phone", "+7 912", "8" * 30])
def test_a_phone_that_is_not_one_is_400_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        e164(typed, "RU")
    assert "phone" in refused.value.message


@pytest.mark.parametrize("sort", ["created", "activity"])
def test_a_list_cursor_gives_back_the_position_it_was_made_for(sort: str) -> None:
    assert appeals.decode_cursor(appeals.encode_cursor(MOMENT, ID, sort), sort) == (MOMENT, ID)


def test_a_list_cursor_from_before_sort_existed_is_a_created_cursor() -> None:
    legacy = json.dumps({"t": MOMENT.isoformat(), "id": str(ID)}).encode()
    cursor = base64.urlsafe_b64encode(legacy).decode().rstrip("=")
    assert appeals.decode_cursor(cursor) == (MOMENT, ID)


def test_a_cursor_of_one_sort_used_with_the_other_is_400_never_a_wrong_page() -> None:
    with pytest.raises(InvalidRequest) as refused:
        appeals.decode_cursor(appeals.encode_cursor(MOMENT, ID, "activity"), "created")
    assert "sort=activity" in refused.value.message


@pytest.mark.parametrize("cursor", ["", "not-a-cursor", "e30", "eyJ0IjoiMjAyNiJ9", "%%%"])
def test_a_malformed_list_cursor_is_400(cursor: str) -> None:
    with pytest.raises(InvalidRequest):
        appeals.decode_cursor(cursor)


def test_a_changes_cursor_round_trips_to_the_microsecond() -> None:
    assert changes.decode_cursor(changes.encode_cursor(MOMENT)) == MOMENT


@pytest.mark.parametrize("cursor", ["", "abc", "YzE6YWJj", "%%%"])
def test_a_malformed_changes_cursor_is_400(cursor: str) -> None:
    with pytest.raises(InvalidRequest):
        changes.decode_cursor(cursor)


@pytest.mark.parametrize(
    ("secret", "url"),
    [
        ("postgresql://app@db:5432/crm\n", "postgresql://app@db:5432/crm"),
        ('{"url": "postgresql://app@proxy:5432/crm"}', "postgresql://app@proxy:5432/crm"),
        (
            '{"username": "app", "password": "p@ss:w/rd", "host": "db.example", "port": 6432, "dbname": "crm"}',
            "postgresql://app:p%40ss%3Aw%2Frd@db.example:6432/crm",
        ),
        ('{"username": "app", "password": "x", "host": "db"}', "postgresql://app:x@db:5432/postgres"),
    ],
)
def test_a_database_secret_in_any_of_its_shapes_gives_one_url(secret: str, url: str) -> None:
    assert url_from_secret(secret) == url
