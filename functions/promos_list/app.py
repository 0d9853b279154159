"""GET /webhook/api/operator/promos — the tenant's active promos."""

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
    return PromosResponse(promos=team.list_promos(app.session))


lambda_handler = lambda_entry(app)
