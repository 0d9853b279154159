"""POST /webhook/max/{tenant_slug} — MAX delivers a tenant bot's updates here."""

from shared.channels import receive
from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry

app = create_app(public=True)


@app.post(
    "/webhook/max/<tenant_slug>",
    summary="MAX webhook",
    description="One MAX Bot API update. 401 `unauthorized` unless `X-Max-Bot-Api-Secret` equals the tenant's "
    "MAX webhook secret (also for an unknown slug). `message_created` in a dialog creates the client if new and "
    "appends to their open appeal or opens one (text, image, file, audio, video, sticker, location, contact; a "
    "link preview as text); files are fetched after the answer. `message_edited` changes the stored text; "
    "`bot_started` opens nothing and is answered with the tenant's welcome text; `bot_stopped` makes the client "
    "unreachable. Group chats, repeated message ids, every other update type and bodies that are no update "
    "are 200 and acknowledged (MAX redelivers anything else for hours).",
    tags=["incoming"],
)
def max_webhook(tenant_slug: str) -> Success:
    receive.receive("max", tenant_slug, app.current_event.headers, app.json_body)
    return Success()


# lenient: MAX redelivers anything not answered 200 for hours; a body it cannot even read is acknowledged
lambda_handler = lambda_entry(app, lenient_body=True)
