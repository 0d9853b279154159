"""GET /webhook/api/operator/session — the calling session's status."""

from shared.auth.models import OperatorOut, SessionOut, SessionStatusResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.get(
    "/webhook/api/operator/session",
    summary="Status of the calling session",
    description="The session, and its operator (with their `role`: `owner` or `operator`).",
    tags=["sessions"],
)
def session_status() -> SessionStatusResponse:
    session = app.session
    operator = OperatorOut(
        id=session.operator_id,
        tenant_id=session.tenant_id,
        name=session.operator_name,
        login=session.login,
        role=session.role,
    )
    return SessionStatusResponse(session=SessionOut.model_validate(session, from_attributes=True), operator=operator)


lambda_handler = lambda_entry(app)
