"""What changed since the console last asked: the ids of the tenant's appeals created or changed
(a message, a status, a holder) after an opaque cursor, and the cursor to pass next time."""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.appeals import changes_sql as repo
from shared.appeals.changes_models import ChangesResponse
from shared.auth.sessions import Session
from shared.core import db
from shared.core.errors import InvalidRequest
from shared.core.records import Record

# More than this many changed appeals in one poll: the first ones are returned and the cursor moves
# past them; the console reloads its list on any change anyway.
MAX_IDS = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)
_PREFIX = "c1:"


def encode_cursor(moment: datetime) -> str:
    micros = (moment - _EPOCH) // _TICK
    return base64.urlsafe_b64encode(f"{_PREFIX}{micros}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> datetime:
    """The moment a cursor stands for; anything else is 400 ``invalid_request``."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not text.startswith(_PREFIX) or not text[len(_PREFIX) :].lstrip("-").isdigit():
            raise ValueError(text)
        return _EPOCH + int(text[len(_PREFIX) :]) * _TICK
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise InvalidRequest("The cursor is not valid: pass back the cursor of the previous answer.") from None


class Changes(Record):
    body: ChangesResponse
    etag: str


def changed_since(session: Session, cursor: str | None) -> Changes:
    since = decode_cursor(cursor) if cursor is not None else None
    row = db.run(lambda conn: repo.changed_since(conn, session.tenant_id, since, MAX_IDS))
    # Never past the start of a transaction still running: it may commit changes dated then.
    ceiling = row.oldest_open - _TICK if row.oldest_open is not None else None
    if since is None:
        ids, moment = [], min(row.now, ceiling) if ceiling is not None else row.now
    else:
        ids, moment = row.ids, since
        if row.newest is not None:
            moment = max(since, min(row.newest, ceiling) if ceiling is not None else row.newest)
    body = ChangesResponse(appeal_ids=ids, cursor=encode_cursor(moment))
    digest = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    return Changes(body, f'"{digest[:32]}"')


def not_modified_when_unchanged(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A 200 whose ETag equals the request's If-None-Match becomes 304 with no body."""

    def conditional(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result = handler(event, context)
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        asked = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("if-none-match")
        if result.get("statusCode") == 200 and asked and asked == headers.get("etag"):
            return {**result, "statusCode": 304, "body": "", "isBase64Encoded": False}
        return result

    return conditional
