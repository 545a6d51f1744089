"""Starts the ActivateOrder state machine; the execution is named after the activation."""

import json
from typing import Any

from order_activation import aws
from order_activation.models.activations import ActivationStepInput
from order_activation.settings import settings


def _step_functions() -> Any:
    return aws.client("stepfunctions")


def start_activate_order(step_input: ActivationStepInput) -> None:
    """Starts one execution per activation; a repeated start of the same one runs nothing twice."""
    client = _step_functions()
    try:
        client.start_execution(
            stateMachineArn=settings().state_machine_arn,
            name=step_input.activation_id,
            input=json.dumps(step_input.model_dump(mode="json")),
        )
    except client.exceptions.ExecutionAlreadyExists:
        return
