"""POST /webhook/api/operator/appeals/{id}/notes — an internal note, never sent to the client."""

from shared.appeals import notes
from shared.appeals.lifecycle_models import NoteRequest
from shared.appeals.message_models import MessageResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/notes",
    summary="Add an internal note",
    description="Any operator of the tenant, on an appeal in any state: a message with direction `note` "
    "(delivery `internal`), shown in the appeal's messages, never sent to the client. `text`: 1-4096 chars.",
    tags=["lifecycle"],
)
def add_note(appeal_id: str, request: NoteRequest) -> MessageResponse:
    return notes.add_note(app.session, appeal_id, request)


lambda_handler = lambda_entry(app)
