"""POST /webhook/android/auth/login — sign in on the phone (replaces the operator's mobile session)."""

from shared.auth import login as signing_in
from shared.auth.models import LoginRequest, LoginResponse
from shared.http.resolver import create_app, lambda_entry

app = create_app(public=True)


@app.post("/webhook/android/auth/login", summary="Mobile login", tags=["auth"])
def login(request: LoginRequest) -> LoginResponse:
    return signing_in.login(request, "mobile", app.current_event.request_context.http.source_ip)


lambda_handler = lambda_entry(app)
