"""The push dispatcher: runs every minute (EventBridge Scheduler) and whenever a commit that queued
pushes kicks it (asynchronous invoke); sends the due push outbox rows through FCM. Returns counts."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import metrics
from shared.observability import logger
from shared.push import dispatcher, fcm
from shared.settings import check_at_cold_start

check_at_cold_start()


@metrics.flushing
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return dispatcher.dispatch(fcm.sender(), remaining_ms=context.get_remaining_time_in_millis)
