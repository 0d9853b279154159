"""POST /webhook/api/operator/appeals/{id}/reject — reject the appeal, with an optional reason."""

from shared.appeals import triage
from shared.appeals.models import AppealResponse
from shared.appeals.triage_models import RejectRequest
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/reject",
    summary="Reject an appeal",
    description="Status rejected (the caller is recorded as its operator). 409 `appeal_already_taken` when "
    "another operator holds it, 409 `appeal_closed` when it is closed or someone else rejected it. "
    "Rejecting again what you rejected is 200 (a new reason replaces the old one). The body is optional.",
    tags=["appeals"],
)
def reject(appeal_id: str, request: RejectRequest | None = None) -> AppealResponse:
    return AppealResponse(appeal=triage.reject(app.session, appeal_id, request.reason if request else None))


lambda_handler = lambda_entry(app)
