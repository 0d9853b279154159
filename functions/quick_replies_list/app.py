"""GET /webhook/api/operator/quick-replies — the tenant's canned answers."""

from shared.http.resolver import create_app, lambda_entry
from shared.team import lists as team
from shared.team.models import QuickRepliesResponse

app = create_app()


@app.get(
    "/webhook/api/operator/quick-replies",
    summary="List quick replies",
    description="The tenant's canned answers, oldest first.",
    tags=["lists"],
)
def list_quick_replies() -> QuickRepliesResponse:
    return QuickRepliesResponse(quick_replies=team.list_quick_replies(app.session))


lambda_handler = lambda_entry(app)
