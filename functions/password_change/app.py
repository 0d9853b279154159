"""POST /webhook/api/operator/password — change the password; every other session is signed out."""

from shared.auth import password_change
from shared.auth.session_models import PasswordChangeRequest, RevokedResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/password",
    summary="Change the password",
    description="401 `invalid_credentials` for a wrong current password (counted by login throttling, so "
    "429 `rate_limited` follows repeated failures); 400 `invalid_request` for a weak new password (under 10 "
    "characters, or equal to the login or to the current password). Ends every other session of the operator "
    "(they answer `session_revoked`); `revoked` says how many.",
    tags=["sessions"],
)
def change_password(request: PasswordChangeRequest) -> RevokedResponse:
    source_ip = app.current_event.request_context.http.source_ip
    return RevokedResponse(revoked=password_change.change_password(app.session, request, source_ip))


lambda_handler = lambda_entry(app)
