"""POST /webhook/api/operator/appeals/{id}/promo — send one of the tenant's promos to the client."""

from shared.appeals import answers
from shared.appeals.message_models import MessageResponse, PromoRequest
from shared.http.resolver import create_app, lambda_entry

app = create_app()


@app.post(
    "/webhook/api/operator/appeals/<appeal_id>/promo",
    summary="Send a promo",
    description="Sends the tenant's active promo `promo_id` like a response (same holding rules, "
    "`client_message_id` idempotency, 409 `client_unreachable` and 502 on channel failure), recorded as an "
    "outgoing message of kind promo. Another tenant's or an inactive promo is 404.",
    tags=["appeals"],
)
def send_promo(appeal_id: str, request: PromoRequest) -> MessageResponse:
    return answers.send_promo(app.session, appeal_id, request)


lambda_handler = lambda_entry(app)
