"""GET /webhook/api/operator/session — the calling session's status."""

from shared.auth.models import SessionOut, SessionStatusResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.get("/webhook/api/operator/session", summary="Status of the calling session", tags=["sessions"])
def session_status() -> SessionStatusResponse:
    return SessionStatusResponse(session=SessionOut.model_validate(app.session, from_attributes=True))


lambda_handler = lambda_entry(app)
