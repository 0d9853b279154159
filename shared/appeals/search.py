"""What ``q`` on the appeal list searches for: an ILIKE pattern over names, usernames and message
texts, and (when ``q`` looks like a phone number) a LIKE pattern over phone digits, so that
``8 (912) 345-67-89``, ``+7 912 345 67 89`` and ``9123456789`` find the same client in an RU tenant,
and so do the beginnings ``8 912 345`` and ``+7 912 345``."""

import re
from uuid import UUID

from shared.appeals import lifecycle_sql as repo
from shared.core.db import Connection
from shared.core.records import Record

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")
MIN_NATIONAL_DIGITS = 3  # fewer, and a search for the rest would match nearly every phone


class SearchTerms(Record):
    pattern: str  # ILIKE, the text anywhere
    digits: str | None  # LIKE over the phone's digits, or None when q is not phone-like


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phone_digits(q: str, region: str) -> str | None:
    """The digits to look for in phones: the national number when ``q`` is a whole valid number
    of the tenant's region (however it was typed), else the digits typed without a leading country
    code or trunk prefix."""
    if not _PHONE_LIKE.match(q):
        return None
    digits = re.sub(r"\D", "", q)
    if len(digits) < 2:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(q, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return str(number.national_number)
    return national_part(q, digits, region)


def national_part(q: str, digits: str, region: str) -> str:
    """The digits of a phone's beginning without the country code (``+7 903 111``) or the region's
    trunk prefix (the Russian ``8 903 111``), so that it matches however the phone was stored:
    what is left is part of the digits as typed, so nothing they found is lost."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return digits
    lead = str(metadata.country_code) if q.lstrip().startswith("+") else metadata.national_prefix
    rest = digits.removeprefix(lead) if lead else digits
    return rest if len(rest) >= MIN_NATIONAL_DIGITS else digits


def terms(conn: Connection, tenant_id: UUID, q: str) -> SearchTerms:
    digits = phone_digits(q, repo.tenant_region(conn, tenant_id)) if _PHONE_LIKE.match(q) else None
    return SearchTerms(pattern=f"%{escape_like(q)}%", digits=f"%{digits}%" if digits else None)
