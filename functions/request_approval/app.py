"""ActivateOrder step: park the activation for approval with its task token."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import approvals
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    approvals.request_approval(event["tenantId"], event["activationId"], event["orderId"], event["taskToken"])
    return {}
