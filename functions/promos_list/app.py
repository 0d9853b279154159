"""GET /webhook/api/operator/promos — the tenant's active promos."""

from shared import sessions, team
from shared.api import create_app, lambda_entry
from shared.models.team import PromosResponse

app = create_app()


@app.get(
    "/webhook/api/operator/promos",
    summary="List promos",
    description="The tenant's active promos, to send with `POST …/appeals/{id}/promo`.",
    tags=["lists"],
)
def list_promos() -> PromosResponse:
    return PromosResponse(promos=team.list_promos(sessions.authenticate(app.current_event)))


lambda_handler = lambda_entry(app)
