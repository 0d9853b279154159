"""The session cleanup, every 5 minutes (EventBridge Scheduler): ends expired sessions, recording
why, and trims old session history and login attempts. Safe to run twice at once. Returns counts."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import cleanup
from shared.core import metrics
from shared.core.observability import logger
from shared.core.settings import check_at_cold_start

check_at_cold_start()


@metrics.flushing
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return cleanup.run()
