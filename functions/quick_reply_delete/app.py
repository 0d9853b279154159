"""DELETE /webhook/api/operator/quick-replies/{id} — remove a canned answer."""

from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry
from shared.team import lists as team

app = create_app()


@app.delete(
    "/webhook/api/operator/quick-replies/<quick_reply_id>",
    summary="Delete a quick reply",
    description="Another tenant's (or an unknown) id is 404 `not_found`; a malformed id is 400.",
    tags=["lists"],
)
def delete_quick_reply(quick_reply_id: str) -> Success:
    team.delete_quick_reply(app.session, quick_reply_id)
    return Success()


lambda_handler = lambda_entry(app)
