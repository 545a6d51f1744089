"""BatchActivation item: count what one order came to on its batch."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import batches
from order_activation.models.batches import BatchOutcome
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batches.record_outcome(event["tenantId"], event["batchId"], BatchOutcome.model_validate(event["outcome"]))
    return {}
