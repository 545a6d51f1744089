"""ActivateOrder step: an approval rejected or expired ends the activation as REJECTED."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation import approvals
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    approvals.record_expiry(event["tenantId"], event["activationId"], event["orderId"])
    return event
