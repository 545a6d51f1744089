"""EventBridge target: the hourly schedule or an `ActivateOrders` event starts a batch."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import batches
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"batchIds": batches.start_from_event(event)}
