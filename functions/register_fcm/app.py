"""POST /webhook/android-register-fcm — bind the device's FCM token to the caller's session."""

from shared.auth import devices as push_registration
from shared.auth.models import RegisterFcmRequest
from shared.core.models import Success
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post("/webhook/android-register-fcm", summary="Register the device's FCM token", tags=["auth"])
def register_fcm(request: RegisterFcmRequest) -> Success:
    push_registration.register_fcm(app.session, request)
    return Success()


lambda_handler = lambda_entry(app)
