"""POST /webhook/api/operator/appeals/{id}/response — answer the client over Telegram."""

from shared.appeals import answers
from shared.appeals.message_models import MessageResponse, ResponseRequest
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/response",
    summary="Answer the client",
    description="Sends `text` with the tenant's Telegram bot and records it as an outgoing message. The caller "
    "must hold the appeal (an unassigned one is taken first; someone else's is 409 `appeal_already_taken`, a "
    "closed/rejected one 409 `appeal_closed`). With `client_message_id`, a repeat returns the first result "
    "and sends nothing again, unless the first attempt failed: then it is sent again (same message row). "
    "Telegram refusing or timing out: 502 `channel_unavailable`, the message kept as `failed`. "
    "The client blocked the bot (Telegram 403): 409 `client_unreachable`, and later sends are 409 at once "
    "until the client writes again. Telegram rate-limiting (429): a `retry_after` up to TELEGRAM_MAX_WAIT_S "
    "is waited out and sent once more, a longer one is 502 with `Retry-After`. "
    "With `attachment_ids` (uploads of POST /webhook/api/operator/uploads whose bytes were PUT), photos go "
    "as sendPhoto and other files as sendDocument, `text` (optional then, at most 1024 characters) as the "
    "caption; another tenant's upload id is 404, an upload without its bytes or already sent is 400.",
    tags=["appeals"],
)
def respond(appeal_id: str, request: ResponseRequest) -> MessageResponse:
    return answers.respond(app.session, appeal_id, request)


lambda_handler = lambda_entry(app)
