"""POST /webhook/telegram/{tenant_slug} — Telegram delivers a tenant bot's updates here."""

from shared import inbox
from shared.api import create_app, lambda_entry
from shared.models.auth import Success

app = create_app()


@app.post(
    "/webhook/telegram/<tenant_slug>",
    summary="Telegram webhook",
    description="A Telegram Bot API Update. 401 `unauthorized` unless `X-Telegram-Bot-Api-Secret-Token` "
    "equals the tenant's webhook secret (also for an unknown slug). A private text message from a client "
    "creates the client if new and appends to their open appeal or opens a new one (push new_appeal); "
    "other updates, and repeated update ids, are 200 and change nothing.",
    tags=["incoming"],
)
def telegram_webhook(tenant_slug: str) -> Success:
    event = app.current_event
    inbox.receive_telegram(tenant_slug, event.headers.get("x-telegram-bot-api-secret-token"), event.decoded_body)
    return Success()


lambda_handler = lambda_entry(app, lenient_body=True)
