"""What the senders (answers, promos, operator files) need of a channel besides sending: the
capability check before anything is recorded (409 ``channel_cannot`` with the reason) and the
channel's typed send errors as the API's errors."""

from __future__ import annotations

from collections.abc import Sequence

from shared.channels import registry
from shared.channels.base import Cannot, RateLimited, SendError, Unreachable
from shared.core.errors import ApiError, ChannelUnavailable, ClientUnreachable, Conflict, channel_rate_limited


class ChannelCannot(Conflict):
    def __init__(self, reason: str) -> None:
        super().__init__("channel_cannot", reason)


def check(channel: str, kind: str, text: str, file_sizes: Sequence[int] = ()) -> None:
    """Refuse (409 ``channel_cannot``) what the appeal's channel cannot send."""
    reason = registry.get(channel).capabilities.cannot(kind, text, tuple(file_sizes))
    if reason is not None:
        raise ChannelCannot(reason)


def api_error(exc: SendError) -> ApiError:
    """The API's answer to a channel's refusal."""
    if isinstance(exc, Unreachable):
        return ClientUnreachable()
    if isinstance(exc, RateLimited):
        return channel_rate_limited(exc.retry_after_s, exc.platform)
    if isinstance(exc, Cannot):
        return ChannelCannot(exc.reason)
    return ChannelUnavailable(getattr(exc, "message", None))
