"""POST /webhook/api/operator/appeals/{id}/close — close the appeal, with an optional resolution."""

from shared.appeals import lifecycle
from shared.appeals.lifecycle_models import CloseRequest
from shared.appeals.models import AppealResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/close",
    summary="Close an appeal",
    description="Status closed, `closed_at` set. The holder may close it, or anyone when it is unassigned "
    "(409 `appeal_already_taken` otherwise). Closing a closed appeal again is 200; a rejected one is 409 "
    "`appeal_closed`. A client writing again within the reopen window reopens it. The body is optional.",
    tags=["lifecycle"],
)
def close(appeal_id: str, request: CloseRequest | None = None) -> AppealResponse:
    return AppealResponse(appeal=lifecycle.close(app.session, appeal_id, request))


lambda_handler = lambda_entry(app)
