"""POST /webhook/api/operator/appeals/{id}/take — assign the appeal to the caller (atomic)."""

from shared.appeals import triage
from shared.appeals.models import AppealResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/take",
    summary="Take an appeal",
    description="Assigns the appeal to the caller (status in_progress) and tells the tenant's other phones "
    "(push appeal_taken). Of concurrent takers exactly one wins; the others get 409 `appeal_already_taken`. "
    "Taking an appeal you already hold is 200. A closed or rejected appeal is 409 `appeal_closed`.",
    tags=["appeals"],
)
def take(appeal_id: str) -> AppealResponse:
    return AppealResponse(appeal=triage.take(app.session, appeal_id))


lambda_handler = lambda_entry(app)
