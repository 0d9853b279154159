"""The Telegram channel (``CHANNEL``): a tenant bot's webhook updates in, the Bot API out.

Verification: the ``X-Telegram-Bot-Api-Secret-Token`` header equals the tenant's webhook secret.
Parsing: ``shared.channels.telegram.webhook.to_inbound``. Sending: ``sendMessage``, and
``sendPhoto``/``sendDocument`` for files (``shared.channels.telegram.files``); the Bot API's
refusals become the channel errors (403: unreachable; a longer 429: rate limited; anything else:
unavailable). Telegram has no idempotency key: a retry is made only when the request never left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shared.channels.base import (
    Account,
    ChannelName,
    DirectReply,
    FetchError,
    Inbound,
    OutgoingFile,
    RateLimited,
    Unavailable,
    Unreachable,
    WebhookRequest,
)
from shared.channels.receive import same_secret
from shared.channels.telegram import bot, files, webhook
from shared.channels.telegram.capabilities import CAPABILITIES
from shared.core.errors import ApiError, ChannelUnavailable, ClientUnreachable

HEADER = "x-telegram-bot-api-secret-token"  # carries the webhook secret


class TelegramChannel:
    name: ChannelName = "telegram"
    capabilities = CAPABILITIES

    def verify(self, request: WebhookRequest, account: Account) -> bool:
        return same_secret(request.headers.get(HEADER), account.secret)

    def parse(self, request: WebhookRequest, account: Account) -> list[Inbound] | DirectReply:
        return webhook.to_inbound(request.body, account.phone_region)

    def send_text(self, account: Account, external_id: str, text: str, idempotency_key: str) -> str:
        with _errors():
            token = bot.bot_token(account.token_ref, str(account.tenant_id))
            return str(bot.send_message(token, int(external_id), text))

    def send_file(
        self, account: Account, external_id: str, file: OutgoingFile, caption: str | None, idempotency_key: str
    ) -> str:
        with _errors():
            token = bot.bot_token(account.token_ref, str(account.tenant_id))
            return str(files.send_file(token, int(external_id), file.data, file.file_name, file.mime_type, caption))

    def download(self, account: Account, ref: str, max_bytes: int) -> bytes:
        try:
            token = bot.bot_token(account.token_ref)
        except ApiError as exc:  # no bot token: the job retries (the tenant may configure one)
            raise FetchError(f"telegram: {exc.code}") from None
        path, size = files.get_file(token, ref)
        if size is not None and size > max_bytes:
            raise FetchError("getFile: larger than the limit", too_large=True)
        return files.download(token, path, max_bytes)

    def name_of(self, account: Account, external_id: str) -> str | None:
        return None  # Telegram's updates name the sender


@contextmanager
def _errors() -> Iterator[None]:
    """The Bot API client's errors (API errors already) as the channel's."""
    try:
        yield
    except ClientUnreachable:
        raise Unreachable() from None
    except ChannelUnavailable as exc:
        retry_after = exc.headers.get("Retry-After")
        if retry_after is not None and retry_after.isdigit():
            raise RateLimited(int(retry_after), "Telegram") from None
        raise Unavailable("telegram", None if exc.message == ChannelUnavailable.message else exc.message) from None


CHANNEL = TelegramChannel()
