"""POST /webhook/api/operator/appeals/{id}/transfer — hand the appeal to a colleague."""

from shared.appeals import lifecycle
from shared.appeals.lifecycle_models import TransferRequest
from shared.appeals.models import AppealResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/transfer",
    summary="Transfer an appeal to a colleague",
    description="The holder (or anyone, when unassigned) hands the appeal to `operator_id`, an active "
    "operator of the same tenant (404 otherwise): in_progress, held by them; their phones get "
    "`appeal_assigned`. 409 `appeal_already_taken` / `appeal_closed` as for take.",
    tags=["lifecycle"],
)
def transfer(appeal_id: str, request: TransferRequest) -> AppealResponse:
    return AppealResponse(appeal=lifecycle.transfer(app.session, appeal_id, request))


lambda_handler = lambda_entry(app)
