"""GET /webhook/api/operator/promos — the tenant's active promos."""

from shared.auth import sessions
from shared.http.resolver import create_app, lambda_entry
from shared.team import lists as team
from shared.team.models import PromosResponse

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
