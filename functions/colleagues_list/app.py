"""GET /webhook/api/operator/colleagues — the tenant's active operators, and who is online."""

from shared.http.resolver import create_app, lambda_entry
from shared.team import lists as team
from shared.team.models import ColleaguesResponse

app = create_app()


@app.get(
    "/webhook/api/operator/colleagues",
    summary="List colleagues",
    description="The tenant's active operators (the caller too); `online`: a live session active in the "
    "last 5 minutes. Transfer targets.",
    tags=["lists"],
)
def list_colleagues() -> ColleaguesResponse:
    return ColleaguesResponse(colleagues=team.list_colleagues(app.session))


lambda_handler = lambda_entry(app)
