"""$default — every request no route of the HTTP API matches: 404 not_found / 405 method_not_allowed."""

from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.core.observability import logger
from shared.http.fallback import answer, load_routes

ROUTES = load_routes(Path(__file__).with_name("routes.json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(event, ROUTES)
