"""BatchActivation item: start one order's activation, which answers the batch's task token."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import batches
from order_activation.models.batches import BatchItem
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batches.activate_batch_order(BatchItem.model_validate(event))
    return {}
