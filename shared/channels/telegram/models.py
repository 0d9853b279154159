"""The Telegram updates the webhook reads: only what it uses; everything else in an update is
ignored."""

from pydantic import Field

from shared.core.models import Model


class TelegramUser(Model):
    id: int
    is_bot: bool = False
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None


class TelegramChat(Model):
    id: int
    type: str


class TelegramFile(Model):
    """Any file Telegram describes (photo size, document, voice, audio, video, video note,
    animation, sticker): what the media job needs to fetch it."""

    file_id: str
    file_unique_id: str | None = None
    file_size: int | None = None
    file_name: str | None = None
    mime_type: str | None = None


class TelegramLocation(Model):
    latitude: float
    longitude: float


class TelegramVenue(Model):
    location: TelegramLocation
    title: str | None = None
    address: str | None = None


class TelegramContact(Model):
    phone_number: str
    first_name: str | None = None
    last_name: str | None = None
    user_id: int | None = None


class TelegramMessage(Model):
    message_id: int
    chat: TelegramChat
    from_: TelegramUser | None = Field(None, alias="from")
    text: str | None = None
    caption: str | None = None
    photo: list[TelegramFile] | None = None
    document: TelegramFile | None = None
    voice: TelegramFile | None = None
    audio: TelegramFile | None = None
    video: TelegramFile | None = None
    video_note: TelegramFile | None = None
    animation: TelegramFile | None = None
    sticker: TelegramFile | None = None
    location: TelegramLocation | None = None
    venue: TelegramVenue | None = None
    contact: TelegramContact | None = None


class TelegramChatMember(Model):
    status: str


class TelegramChatMemberUpdated(Model):
    chat: TelegramChat
    from_: TelegramUser = Field(alias="from")
    new_chat_member: TelegramChatMember


class TelegramUpdate(Model):
    update_id: int
    message: TelegramMessage | None = None
    edited_message: TelegramMessage | None = None
    my_chat_member: TelegramChatMemberUpdated | None = None
