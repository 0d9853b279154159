"""POST /webhook/vk/{tenant_slug} — VK's Callback API delivers a community's events here."""

from aws_lambda_powertools.event_handler import Response

from shared.channels import receive
from shared.http.resolver import create_app, lambda_entry

app = create_app(public=True)


@app.post(
    "/webhook/vk/<tenant_slug>",
    summary="VK Callback API webhook",
    description="One VK Callback API event. 401 `unauthorized` unless the body's `secret` and `group_id` are the "
    "tenant's (also for an unknown slug). `confirmation`: the tenant's confirmation string as the whole "
    "`text/plain` body. Every other accepted event: `text/plain` `ok`. `message_new` in a private dialog creates "
    "the client if new and appends to their open appeal or opens one (text, photo, doc, audio_message, video, "
    "sticker, wall/link as text, geo); files are fetched after the answer. `message_edit` changes the stored "
    "text; `message_allow`/`message_deny` keep the client's reachability; community chats, our own echoed "
    "messages, repeated `event_id`s and every other type are acknowledged and ignored.",
    tags=["incoming"],
)
def vk_webhook(tenant_slug: str) -> Response[str]:
    reply = receive.receive("vk", tenant_slug, app.current_event.headers, app.json_body)
    return Response(200, "text/plain; charset=utf-8", reply.body if reply is not None else "ok")


lambda_handler = lambda_entry(app)
