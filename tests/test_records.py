"""``Record``, the row and value type: what a NamedTuple gave (fields in order or by name, defaults,
read-only, equality, a refusal of a missing or unknown field) and rows built from a real query."""

from datetime import datetime
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.core.records import Record
from shared.core.sql import fetch_all, fetch_one


class Reading(Record):
    name: str
    value: int
    taken_at: datetime | None = None


def test_fields_are_given_in_order_or_by_name_and_a_default_fills_the_rest() -> None:
    by_order, by_name = Reading("volts", 12), Reading(value=12, name="volts")
    assert (by_order.name, by_order.value, by_order.taken_at) == ("volts", 12, None)
    assert by_order == by_name == Reading("volts", value=12, taken_at=None)
    assert hash(by_order) == hash(by_name)
    assert by_order != Reading("volts", 13)
    assert repr(by_order) == "Reading(name='volts', taken_at=None, value=12)"


@pytest.mark.parametrize(
    ("values", "fields", "says"),
    [
        ((), {"name": "volts"}, "needs value"),
        (("volts", 12), {"colour": "red"}, "has no field colour"),
        (("volts", 12, None, "extra"), {}, "at most"),
        (("volts",), {"name": "amps", "value": 1}, "once"),
    ],
)
def test_a_missing_unknown_or_repeated_field_is_refused(
    values: tuple[Any, ...], fields: dict[str, Any], says: str
) -> None:
    with pytest.raises(TypeError, match=says):
        Reading(*values, **fields)


def test_a_record_is_read_only() -> None:
    reading = Reading("volts", 12)
    with pytest.raises(AttributeError, match="read-only"):
        reading.value = 13  # type: ignore[misc]
    with pytest.raises(AttributeError, match="read-only"):
        del reading.name
    assert reading.value == 12


def test_a_query_gives_records_by_column_name_whatever_the_column_order(database_url: str) -> None:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        rows = fetch_all(
            conn,
            Reading,
            "SELECT v AS value, 'cell ' || v AS name, NULL::timestamptz AS taken_at FROM generate_series(1, 3) v",
        )
        only_required = fetch_one(conn, Reading, "SELECT 'pack' AS name, 7 AS value")
    assert rows == [Reading(f"cell {v}", v) for v in (1, 2, 3)]
    assert only_required == Reading("pack", 7)


def test_a_query_whose_columns_do_not_fit_the_record_is_refused_at_its_first_row(database_url: str) -> None:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        with pytest.raises(TypeError, match="needs value"):
            fetch_all(conn, Reading, "SELECT 'pack' AS name")
        with pytest.raises(TypeError, match="has no field colour"):
            fetch_one(conn, Reading, "SELECT 'pack' AS name, 7 AS value, 'red' AS colour")


def test_a_statement_without_rows_is_refused_as_psycopg_refuses_it(database_url: str) -> None:
    with psycopg.connect(database_url, row_factory=dict_row) as conn, pytest.raises(psycopg.ProgrammingError):
        fetch_one(conn, Reading, "SET LOCAL statement_timeout = '5s'")
