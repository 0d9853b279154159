"""The push dispatcher: runs every minute (EventBridge Scheduler) and whenever a commit that queued
pushes kicks it (asynchronous invoke); sends the due push outbox rows through FCM. Returns counts."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import fcm, metrics, push
from shared.observability import logger


@metrics.flushing
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return push.dispatch(fcm.sender(), remaining_ms=context.get_remaining_time_in_millis)
