"""GET /webhook/api/operator/sessions — the operator's live sessions, the caller's marked current."""

from shared.auth import my_sessions
from shared.auth.session_models import SessionListResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.get(
    "/webhook/api/operator/sessions",
    summary="The operator's active sessions",
    description="Each live session of the operator in the caller's tenant: device type and info, when it was "
    "created and last active, whether it can receive pushes (the FCM token itself is never returned), and "
    "which one is the caller's.",
    tags=["sessions"],
)
def list_sessions() -> SessionListResponse:
    return SessionListResponse(sessions=my_sessions.list_sessions(app.session))


lambda_handler = lambda_entry(app)
