"""POST /webhook/api/operator/appeals/{id}/normalize — clean up and store the client's data."""

from shared.appeals import triage
from shared.appeals.triage_models import NormalizeRequest, NormalizeResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/normalize",
    summary="Normalize an appeal's data",
    description="Trims and collapses whitespace, title-cases `client_name`, stores `phone` in E.164 (read "
    "with the tenant's default region; an unparseable phone is 400 naming the field). Fields sent are "
    "merged into the stored values (null or blank clears one); name and phone also update the client. "
    "409 `appeal_already_taken` when another operator holds the appeal. Returns all stored values.",
    tags=["appeals"],
)
def normalize(appeal_id: str, request: NormalizeRequest) -> NormalizeResponse:
    return NormalizeResponse(normalized=triage.normalize(app.session, appeal_id, request))


lambda_handler = lambda_entry(app)
