"""The push dispatcher: runs every minute (EventBridge Scheduler) and whenever a commit that queued
pushes kicks it (asynchronous invoke); sends the due push outbox rows through FCM. Returns counts."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.core import metrics
from shared.core.observability import logger
from shared.core.settings import check_at_cold_start
from shared.push import dispatcher, fcm

check_at_cold_start()


@metrics.flushing
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return dispatcher.dispatch(fcm.sender(), remaining_ms=context.get_remaining_time_in_millis)
