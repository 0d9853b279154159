"""POST /webhook/android-register-fcm — bind the device's FCM token to the caller's session."""

from shared import push_registration, sessions
from shared.api import create_app, lambda_entry
from shared.models.auth import RegisterFcmRequest
from shared.models.common import Success

app = create_app()


@app.post("/webhook/android-register-fcm", summary="Register the device's FCM token", tags=["auth"])
def register_fcm(request: RegisterFcmRequest) -> Success:
    push_registration.register_fcm(sessions.authenticate(app.current_event), request)
    return Success()


lambda_handler = lambda_entry(app)
