"""POST /webhook/api/operator/appeals/{id}/read — move the caller's read mark."""

from shared.appeals import lifecycle
from shared.appeals.lifecycle_models import ReadRequest
from shared.appeals.models import AppealResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/read",
    summary="Mark an appeal read",
    description="The caller's read mark moves to `message_id` (a message of this appeal, else 404), or to "
    "the newest message without it. `unread_count` counts the client's messages after the mark. The body is "
    "optional.",
    tags=["lifecycle"],
)
def mark_read(appeal_id: str, request: ReadRequest | None = None) -> AppealResponse:
    return AppealResponse(appeal=lifecycle.mark_read(app.session, appeal_id, request))


lambda_handler = lambda_entry(app)
