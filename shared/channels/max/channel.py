"""The MAX channel (``CHANNEL``): a bot's webhook updates in, the MAX Bot API out.

Verification: the ``X-Max-Bot-Api-Secret`` header must be the tenant's webhook secret (the one
``POST /subscriptions`` registered; constant-time). Updates: ``shared.channels.max.updates``.
Sending: ``POST /messages?user_id=`` with the bot token; a file is uploaded first (``POST
/uploads``, then the upload) and sent by its token, with the caption as the message's text
(``shared.channels.max.client``: "attachment not ready" waited out, 429 once more, 403
unreachable). MAX has no idempotency key of its own, so ``idempotency_key`` goes unused: the
client repeats only what MAX refused or never received, never one request twice. Incoming files:
their URL, or for a video its token (``GET /videos/{token}`` names the file).
"""

from __future__ import annotations

import hmac

from shared.channels import http, secrets
from shared.channels.base import (
    Account,
    ChannelName,
    DirectReply,
    FetchError,
    Inbound,
    OutgoingFile,
    SendError,
    Unavailable,
    WebhookRequest,
)
from shared.channels.max import updates
from shared.channels.max.capabilities import CAPABILITIES
from shared.channels.max.client import MaxApi, UploadType
from shared.core.settings import get_settings

WEBHOOK_HEADER = "x-max-bot-api-secret"  # carries the secret the subscription registered


class MaxChannel:
    name: ChannelName = "max"
    capabilities = CAPABILITIES

    def verify(self, request: WebhookRequest, account: Account) -> bool:
        sent, expected = request.headers.get(WEBHOOK_HEADER) or "", account.secret or "\x00no-secret\x00"
        return hmac.compare_digest(sent.encode(), expected.encode()) and account.secret is not None

    def parse(self, request: WebhookRequest, account: Account) -> list[Inbound] | DirectReply:
        return updates.parse(request.body, account.phone_region)

    def send_text(self, account: Account, external_id: str, text: str, idempotency_key: str) -> str:
        return api(account).send_message(_user_id(external_id), text)

    def send_file(
        self, account: Account, external_id: str, file: OutgoingFile, caption: str | None, idempotency_key: str
    ) -> str:
        bot = api(account)
        upload_type: UploadType = "image" if file.kind == "photo" else "file"
        attachment = bot.upload(upload_type, file.data, file.file_name, file.mime_type)
        return bot.send_message(_user_id(external_id), caption, [attachment])

    def download(self, account: Account, ref: str, max_bytes: int) -> bytes:
        if ref.startswith(("https://", "http://")):
            return http.download(ref, max_bytes)
        try:
            url = api(account).video_url(ref)
        except SendError as exc:
            raise FetchError(f"max video: {exc}") from None
        return http.download(url, max_bytes)

    def name_of(self, account: Account, external_id: str) -> str | None:
        return None  # every MAX update names its user


def api(account: Account) -> MaxApi:
    """The account's bot on ``MAX_API_BASE_URL`` (``Unavailable`` without a token)."""
    return MaxApi(get_settings().max_api_base_url, secrets.token(account))


def _user_id(external_id: str) -> int:
    if not external_id.isdigit():
        raise Unavailable("not a MAX user id")
    return int(external_id)


CHANNEL = MaxChannel()
