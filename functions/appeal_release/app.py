"""POST /webhook/api/operator/appeals/{id}/release — give the appeal back to the queue."""

from shared.appeals import lifecycle
from shared.appeals.models import AppealResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/release",
    summary="Release an appeal",
    description="The holder gives the appeal back: unassigned, status new; the tenant's other phones get "
    "`appeal_released`. Someone else's appeal is 409 `appeal_already_taken`, a closed/rejected one 409 "
    "`appeal_closed`; releasing an unassigned open appeal changes nothing.",
    tags=["lifecycle"],
)
def release(appeal_id: str) -> AppealResponse:
    return AppealResponse(appeal=lifecycle.release(app.session, appeal_id))


lambda_handler = lambda_entry(app)
