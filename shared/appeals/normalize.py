"""Cleaning up what a client wrote: whitespace, names in title case, phones in E.164."""

from __future__ import annotations

from shared.core.errors import InvalidRequest

NAME_FIELDS = frozenset({"client_name"})
PHONE_FIELDS = frozenset({"phone"})


def collapse(text: str) -> str:
    """Trimmed, with every run of whitespace (newlines and tabs too) turned into one space."""
    return " ".join(text.split())


def title_name(text: str) -> str:
    """``"  иВАН   петров "`` -> ``"Иван Петров"``; hyphenated and apostrophe parts too (``O'Brien``)."""
    return collapse(text).title()


def e164(raw: str, region: str) -> str:
    """The phone in E.164, read with the tenant's default region (``8 (912) 345-67-89`` in RU
    is ``+79123456789``); ``InvalidRequest`` naming the field when it is not a valid number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidRequest("Invalid field: phone (not a valid phone number).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_fields(sent: dict[str, str | None], region: str) -> tuple[dict[str, str], list[str]]:
    """The cleaned values to store, and the fields to clear (sent as null, or blank)."""
    values: dict[str, str] = {}
    cleared: list[str] = []
    for name, raw in sent.items():
        text = collapse(raw) if raw is not None else ""
        if not text:
            cleared.append(name)
        elif name in PHONE_FIELDS:
            values[name] = e164(text, region)
        elif name in NAME_FIELDS:
            values[name] = title_name(text)
        else:
            values[name] = text
    return values, sorted(cleared)
