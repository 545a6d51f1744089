"""API key authorizer: maps `x-api-key` to its tenant for every other function."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.api_keys import authorize
from order_activation.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return authorize(event.get("headers"), event["methodArn"])
