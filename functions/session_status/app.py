"""GET /webhook/api/operator/session — the calling session's status."""

from shared import sessions
from shared.api import create_app, lambda_entry
from shared.models.auth import SessionOut, SessionStatusResponse

app = create_app()


@app.get("/webhook/api/operator/session", summary="Status of the calling session", tags=["sessions"])
def session_status() -> SessionStatusResponse:
    session = sessions.authenticate(app.current_event)
    return SessionStatusResponse(session=SessionOut.model_validate(session, from_attributes=True))


lambda_handler = lambda_entry(app)
