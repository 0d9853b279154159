"""Property tests (hypothesis) for the pure parts that take outside input: whatever arrives, they
answer or raise the contract's typed error, never anything that would become a 500."""

from __future__ import annotations

import base64
import contextlib
import json
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.appeals.listing import decode_cursor, encode_cursor
from shared.appeals.normalize import clean_fields, e164
from shared.auth.sessions import token_from_event
from shared.channels.telegram.models import TelegramUpdate
from shared.core.errors import InvalidRequest
from shared.http.guards import MAX_DEPTH, RequestGuard

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
token_chars = st.text(alphabet=string.ascii_letters + string.digits + "-_.~+/=", min_size=1, max_size=64)


def event(headers: dict[str, str], body: str | None = None, query: dict[str, str] | None = None) -> Any:
    raw: dict[str, Any] = {"headers": headers, "body": body, "isBase64Encoded": False}
    if query is not None:
        raw["queryStringParameters"] = query
    return APIGatewayProxyEventV2(raw)


# --- token extraction ---


@PROPERTY
@given(token=token_chars, scheme=st.sampled_from(["Bearer", "bearer", "BEARER"]), pad=st.sampled_from(["", " ", "  "]))
def test_a_bearer_token_comes_back_as_sent(token: str, scheme: str, pad: str) -> None:
    assert token_from_event(event({"Authorization": f"{scheme} {pad}{token}{pad}"})) == token


@PROPERTY
@given(token=token_chars, other=token_chars)
def test_the_header_wins_over_body_and_query(token: str, other: str) -> None:
    body = json.dumps({"session_token": other})
    assert token_from_event(event({"x-session-token": token}, body, {"session_token": other})) == token


@PROPERTY
@given(
    headers=st.dictionaries(st.sampled_from(["authorization", "Authorization", "x-session-token", "x"]), st.text()),
    body=st.none() | st.text() | json_values.map(json.dumps),
    query=st.none() | st.dictionaries(st.sampled_from(["session_token", "q"]), st.text()),
)
def test_token_extraction_never_fails_and_never_returns_blank(
    headers: dict[str, str], body: str | None, query: dict[str, str] | None
) -> None:
    token = token_from_event(event(headers, body, query))
    assert token is None or (token.strip() == token and token != "")


# --- cursor decoding ---


@PROPERTY
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    offset_minutes=st.integers(-720, 720),
    appeal_id=st.uuids(),
)
def test_a_cursor_round_trips(moment: datetime, offset_minutes: int, appeal_id: UUID) -> None:
    from datetime import timezone

    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert decode_cursor(encode_cursor(local, appeal_id)) == (local, appeal_id)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@PROPERTY
@given(
    cursor=st.text(max_size=80)
    | json_values.map(lambda v: _b64(json.dumps(v).encode()))
    | st.dictionaries(st.sampled_from(["t", "id"]), json_values, max_size=2).map(lambda v: _b64(json.dumps(v).encode()))
    | st.binary(max_size=60).map(_b64)
)
def test_any_cursor_is_decoded_or_refused_with_invalid_request(cursor: str) -> None:
    try:
        created_at, appeal_id = decode_cursor(cursor)
    except InvalidRequest:
        return
    assert created_at.tzinfo is not None and isinstance(appeal_id, UUID)


def test_a_deeply_nested_cursor_is_refused_with_invalid_request() -> None:
    try:
        decode_cursor(_b64(b"[" * 5000 + b"]" * 5000))
    except InvalidRequest:
        return
    raise AssertionError("accepted")


# --- phone normalization ---

phone_like = st.text(alphabet="+0123456789 ()-.", max_size=20) | st.text(max_size=20)
regions = st.sampled_from(["RU", "KZ", "US", "DE", "ZZ", ""])


@PROPERTY
@given(raw=phone_like, region=regions)
def test_a_phone_is_e164_or_refused(raw: str, region: str) -> None:
    try:
        phone = e164(raw, region)
    except InvalidRequest as exc:
        assert "phone" in exc.message
        return
    assert phone.startswith("+") and phone[1:].isdigit()
    assert e164(phone, region) == phone  # normalizing again changes nothing


@PROPERTY
@given(
    sent=st.dictionaries(st.sampled_from(["client_name", "phone", "note"]), st.none() | phone_like),
    region=regions,
)
def test_cleaning_fields_stores_or_clears_each_sent_field(sent: dict[str, str | None], region: str) -> None:
    try:
        values, cleared = clean_fields(sent, region)
    except InvalidRequest:
        return
    assert set(values) | set(cleared) == set(sent) and not set(values) & set(cleared)
    assert all(v == " ".join(v.split()) and v for v in values.values())


# --- the Telegram update model ---

telegram_ids = st.integers(min_value=-(2**70), max_value=2**70)
messages = st.fixed_dictionaries(
    {
        "message_id": telegram_ids,
        "chat": st.fixed_dictionaries({"id": telegram_ids, "type": st.sampled_from(["private", "group"])}),
    },
    optional={
        "from": st.fixed_dictionaries(
            {"id": telegram_ids}, optional={"first_name": st.text(), "is_bot": st.booleans()}
        ),
        "text": st.text(),
    },
)
updates = st.fixed_dictionaries({"update_id": telegram_ids}, optional={"message": messages})


@PROPERTY
@given(update=updates)
def test_a_telegram_update_keeps_what_it_was_sent(update: dict[str, Any]) -> None:
    parsed = TelegramUpdate.model_validate(update)
    assert parsed.update_id == update["update_id"]
    if "message" in update:
        assert parsed.message is not None and parsed.message.text == update["message"].get("text")


@PROPERTY
@given(body=json_values | updates.map(lambda u: {**u, "extra": {"nested": [1, 2]}}))
def test_any_json_is_an_update_or_a_validation_error(body: Any) -> None:
    with contextlib.suppress(ValidationError):  # anything else raised fails the test
        TelegramUpdate.model_validate(body)


# --- the request guard ---


@PROPERTY
@given(body=json_values, levels=st.integers(0, 40))
def test_the_guard_refuses_exactly_the_bodies_deeper_than_the_limit(body: Any, levels: int) -> None:
    for _ in range(levels):
        body = [body]

    def depth(value: Any) -> int:
        children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else None
        return 0 if children is None else 1 + max((depth(c) for c in children), default=0)

    guard = RequestGuard(reads_json=True, lenient_body=False, reject=lambda error: {"statusCode": error.status})
    text = json.dumps(body)
    refused = guard.check({"body": text, "headers": {"content-type": "application/json"}})
    if depth(body) > MAX_DEPTH:
        assert refused == {"statusCode": 400}
    elif "\\u0000" not in text:  # (text() draws no surrogates; a NUL is refused on its own)
        assert refused is None
