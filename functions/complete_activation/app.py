"""ActivateOrder step: complete activation."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.activation import steps
from order_activation.models.activations import ActivationStepInput
from order_activation.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    step_input = ActivationStepInput.model_validate(event)
    return steps.complete_activation(step_input).model_dump(mode="json")
