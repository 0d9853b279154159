"""DELETE /webhook/api/operator/sessions/{id} — sign one of the caller's own sessions out."""

from shared.auth import my_sessions
from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.delete(
    "/webhook/api/operator/sessions/<session_id>",
    summary="Revoke one of the caller's sessions",
    description="Its token answers 401 `session_revoked` from then on. Another operator's session id is 404 "
    "`not_found`; a malformed id is 400. Revoking the calling session itself is a logout.",
    tags=["sessions"],
)
def revoke(session_id: str) -> Success:
    my_sessions.revoke(app.session, session_id)
    return Success()


lambda_handler = lambda_entry(app)
