"""BatchActivation's last step: close the batch and publish `batch.completed`."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import batches
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = batches.summarize(event["tenantId"], event["batchId"])
    return summary.model_dump(mode="json", by_alias=True, exclude={"failed_order_ids"})
