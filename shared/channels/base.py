"""The one channel interface: what every messaging platform (Telegram, VK, MAX) implements, and the
only vocabulary the rest of the code uses to talk to a client.

A channel lives in ``shared/channels/<name>/`` and exposes ``CHANNEL``, an object satisfying
``Channel``: it verifies its webhook, parses a delivery into neutral ``Inbound`` events (or a
``DirectReply`` the platform wants as the whole answer: VK's confirmation), sends text and files
with the platform's idempotency, raising the typed send errors below, and downloads an
incoming file for the media jobs. ``shared.channels.registry.get(name)`` imports a channel's module
only when it is first asked for, so a function pays only for the channel it uses.

Records (``shared.core.records``), no pydantic and no dataclass: this module is imported by every
webhook and sender, and a record type costs a plain class's price to define.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, Protocol
from uuid import UUID

# The names and capabilities live in a module of their own (the detail reads them alone); re-exported here.
from shared.channels.capabilities import CHANNEL_NAMES as CHANNEL_NAMES
from shared.channels.capabilities import FILE_KINDS as FILE_KINDS
from shared.channels.capabilities import Capabilities as Capabilities
from shared.channels.capabilities import ChannelName as ChannelName
from shared.channels.capabilities import FileKind as FileKind
from shared.core.records import Record

# An appeal message's kind: a file kind, or text / location / contact (promo is outgoing only).
InboundKind = Literal[
    "text", "photo", "document", "voice", "video", "audio", "sticker", "animation", "video_note", "location", "contact"
]

# message: a client's new message; edit: they changed one (text/caption); reachable / unreachable:
# they (un)blocked the shop; start: they opened the dialog (Telegram /start, MAX bot_started);
# ignored: acknowledged and remembered, nothing else (groups, service messages, unknown updates).
EventType = Literal["message", "edit", "reachable", "unreachable", "start", "ignored"]


class Account(Record):
    """A tenant's settings for one channel (``shared.channels.accounts`` loads them by slug).

    ``token_ref`` is a secret *reference* (``secretsmanager:<id>``, or ``plain:<token>`` locally),
    resolved by ``shared.channels.secrets.token``; ``secret`` is the webhook secret the platform
    sends back (Telegram's header, VK's body ``secret``, MAX's header); ``extra`` holds what else a
    platform needs (VK: ``group_id``, ``confirmation``)."""

    tenant_id: UUID
    slug: str
    channel: ChannelName
    secret: str | None
    token_ref: str | None
    extra: Mapping[str, str] = MappingProxyType({})  # read-only: one default shared by every account
    phone_region: str = "RU"
    welcome_text: str | None = None


class WebhookRequest(Record):
    """One delivery to ``POST /webhook/<channel>/{tenant_slug}``, its body parsed once, by the
    request guard (``shared.http.guards``), which has also checked it."""

    headers: Mapping[str, str]  # names in lower case
    body: Any  # the JSON value (None: no body, or not JSON)


class DirectReply(Record):
    """The whole answer the platform expects instead of the usual one (VK's confirmation string)."""

    body: str
    content_type: str = "text/plain"


class Attachment(Record):
    """A file a client sent, to be fetched by a media job with ``Channel.download(account, ref)``.
    ``mime_type`` and ``file_name`` are already cleaned (``shared.channels.cleaning``)."""

    kind: FileKind
    ref: str  # a URL or the platform's file id
    mime_type: str | None = None
    file_name: str | None = None
    size: int | None = None  # as the platform states it (over the limit: too_large without a fetch)


class Location(Record):
    latitude: float
    longitude: float
    title: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"latitude": self.latitude, "longitude": self.longitude, "title": self.title}


class Contact(Record):
    phone: str | None  # E.164 when it parses, else as sent
    name: str | None
    own: bool  # the client's own number (then it becomes their verified phone)

    def as_json(self) -> dict[str, object]:
        return {"phone": self.phone, "name": self.name, "own": self.own}


class Inbound(Record):
    """One event of a webhook delivery, in our terms (see ``EventType``)."""

    event: EventType
    dedup_id: str  # the platform's id of the delivery (Telegram update_id, VK event_id, MAX mid)
    external_id: str | None = None  # the client's platform user id, as a string
    name: str | None = None
    username: str | None = None
    message_id: str | None = None  # the platform's id of the client's message (edits find it by this)
    kind: InboundKind = "text"
    text: str = ""  # the text, or the caption of a file
    attachments: tuple[Attachment, ...] = ()
    location: Location | None = None
    contact: Contact | None = None
    own_phone: str | None = None  # the client shared their own number (E.164): their verified phone
    reply_to: str | None = None  # the platform message id it answers
    forwarded: bool = False
    why: str = ""  # for ``ignored``: why (logged; never the client's text)


class SendError(Exception):
    """A send the platform refused; the sender maps each to the API's answer."""


class Unreachable(SendError):
    """The client blocked the shop or never allowed messages: 409 ``client_unreachable``."""


class RateLimited(SendError):
    """The platform throttles the shop (after the channel's own one retry): 502 with Retry-After."""

    def __init__(self, retry_after_s: int, platform: str) -> None:
        super().__init__(f"rate limited for {retry_after_s} s")
        self.retry_after_s = retry_after_s
        self.platform = platform  # as the operator is told: "VK is rate-limiting the shop ..."


class Unavailable(SendError):
    """The platform failed or refused for another reason: 502 ``channel_unavailable``. ``reason``
    is safe to log (no token, no URL); ``message``, when given, is what the operator is told."""

    def __init__(self, reason: str = "unavailable", message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


class Cannot(SendError):
    """The channel cannot do this at all: 409 ``channel_cannot`` with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchError(Exception):
    """An incoming file could not be fetched. ``reason`` is safe to log and store."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


class OutgoingFile(Record):
    data: bytes
    file_name: str
    mime_type: str
    kind: str  # photo | document (an operator upload's kind)


class Channel(Protocol):
    """What ``shared/channels/<name>/`` provides as its module-level ``CHANNEL``."""

    name: ChannelName
    capabilities: Capabilities

    def verify(self, request: WebhookRequest, account: Account) -> bool:
        """Whether the delivery comes from the platform for this account (constant-time compares).
        Called for an unknown slug too, with an account whose secret matches nothing."""
        ...

    def parse(self, request: WebhookRequest, account: Account) -> list[Inbound] | DirectReply:
        """The delivery's events (a malformed one: ``[Inbound("ignored", ...)]`` or ``[]``, never an
        exception), or the platform's handshake answer."""
        ...

    def send_text(self, account: Account, external_id: str, text: str, idempotency_key: str) -> str:
        """Send ``text``; the platform's message id. ``idempotency_key`` is the same on every retry
        of one outgoing message (VK's random_id is derived from it). Raises ``SendError``."""
        ...

    def send_file(
        self, account: Account, external_id: str, file: OutgoingFile, caption: str | None, idempotency_key: str
    ) -> str:
        """Upload and send one file (the caption under it); the platform's message id."""
        ...

    def download(self, account: Account, ref: str, max_bytes: int) -> bytes:
        """An incoming attachment's bytes (``Attachment.ref``); ``FetchError`` (too_large over
        ``max_bytes``)."""
        ...

    def name_of(self, account: Account, external_id: str) -> str | None:
        """The client's display name when the platform's updates carry none (VK: ``users.get``);
        called once per new client without a name. None when the updates already name them."""
        ...
