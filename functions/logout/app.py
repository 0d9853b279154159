"""POST /webhook/android/logout — end the caller's session (mobile or desktop); idempotent."""

from shared.auth import sessions
from shared.core.errors import MissingToken
from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry

app = create_app(public=True)


@app.post("/webhook/android/logout", summary="Log out", tags=["auth"])
def logout() -> Success:
    token = sessions.token_from_event(app.current_event)
    if token is None:
        raise MissingToken(status=400)
    sessions.logout(token)
    return Success()


lambda_handler = lambda_entry(app)
