"""POST /webhook/telegram/{tenant_slug} — Telegram delivers a tenant bot's updates here."""

from shared.channels import receive
from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry

app = create_app(public=True)


@app.post(
    "/webhook/telegram/<tenant_slug>",
    summary="Telegram webhook",
    description="A Telegram Bot API Update. 401 `unauthorized` unless `X-Telegram-Bot-Api-Secret-Token` "
    "equals the tenant's webhook secret (also for an unknown slug). A private message of any kind a person "
    "can send (text, photo, document, voice, audio, video, video note, animation, sticker, location/venue, "
    "contact) creates the client if new and appends to their open appeal (push appeal_message) or opens a "
    "new one (push new_appeal); files are fetched after the answer. `edited_message` replaces the text or "
    "caption; `/start` opens nothing and is answered with the tenant's welcome text; `my_chat_member` keeps "
    "the client's reachability. Every other update, repeated update ids and anything that cannot be stored "
    "are 200 and acknowledged; a body without an integer `update_id` is 400.",
    tags=["incoming"],
)
def telegram_webhook(tenant_slug: str) -> Success:
    receive.receive("telegram", tenant_slug, app.current_event.headers, app.json_body)
    return Success()


lambda_handler = lambda_entry(app, lenient_body=True)
