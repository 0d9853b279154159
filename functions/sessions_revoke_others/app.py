"""POST /webhook/api/operator/sessions/revoke-others — sign out every session but the caller's."""

from shared.auth import my_sessions
from shared.auth.session_models import RevokedResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/sessions/revoke-others",
    summary="Revoke every other session of the operator",
    description="`revoked` says how many sessions were ended; their tokens answer 401 `session_revoked`.",
    tags=["sessions"],
)
def revoke_others() -> RevokedResponse:
    return RevokedResponse(revoked=my_sessions.revoke_others(app.session))


lambda_handler = lambda_entry(app)
