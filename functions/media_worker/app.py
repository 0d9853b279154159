"""The media worker: runs every minute (EventBridge Scheduler) and whenever the webhook's commit
kicks it (asynchronous invoke); downloads the due media jobs' files from Telegram into the media
store (S3). Returns counts."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.core import metrics
from shared.core.observability import logger
from shared.media import downloads as media


@metrics.flushing
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return media.dispatch(remaining_ms=context.get_remaining_time_in_millis)
