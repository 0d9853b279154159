"""GET /webhook/api/operator/appeals/{id} — one appeal with its client and its messages."""

from shared.appeals.detail import detail
from shared.appeals.detail_models import AppealDetailResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.get(
    "/webhook/api/operator/appeals/<appeal_id>",
    summary="Appeal detail",
    description="The appeal, its client and its messages (oldest first). 404 outside the caller's tenant; "
    "400 for a malformed id.",
    tags=["appeals"],
)
def appeal_detail(appeal_id: str) -> AppealDetailResponse:
    return AppealDetailResponse(appeal=detail(app.session, appeal_id))


lambda_handler = lambda_entry(app)
