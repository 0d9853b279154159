"""POST /webhook/api/operator/quick-replies — add a canned answer for the whole tenant."""

from shared.http.resolver import create_app, lambda_entry
from shared.team import lists as team
from shared.team.models import QuickReplyRequest, QuickReplyResponse

app = create_app()


@app.post(
    "/webhook/api/operator/quick-replies",
    summary="Create a quick reply",
    description="`title` 1-100 chars, `text` 1-4096 chars; 201 with the new quick reply.",
    tags=["lists"],
    status_code=201,
)
def create_quick_reply(request: QuickReplyRequest) -> QuickReplyResponse:
    return QuickReplyResponse(quick_reply=team.create_quick_reply(app.session, request))


lambda_handler = lambda_entry(app)
