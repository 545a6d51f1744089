"""Waits for ActivateOrder executions of the local stack to end, so a test reads settled state."""

import os
import time
from datetime import datetime

import boto3


def _state_machine_arn() -> str:
    return os.environ["STATE_MACHINE_ARN"]


def execution_arn(activation_id: str) -> str:
    """Executions are named after their activation."""
    return _state_machine_arn().replace(":stateMachine:", ":execution:") + f":{activation_id}"


def wait_until_ended(activation_id: str, seconds: float = 40) -> str:
    """The execution's final status; an activation can answer SUCCEEDED while a retry still runs."""
    client = boto3.client("stepfunctions")
    deadline = time.monotonic() + seconds
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        status = client.describe_execution(executionArn=execution_arn(activation_id))["status"]
        if status == "RUNNING":
            time.sleep(0.1)
    return status


def wait_for_executions_since(moment: datetime, seconds: float = 40) -> None:
    """Waits until no execution started at or after `moment` is still running."""
    client = boto3.client("stepfunctions")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        running = client.list_executions(stateMachineArn=_state_machine_arn(), statusFilter="RUNNING")["executions"]
        if not [execution for execution in running if execution["startDate"] >= moment]:
            return
        time.sleep(0.1)
