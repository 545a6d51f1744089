"""Approvals: an order whose total reaches the tenant's threshold waits for a person.

The ActivateOrder execution waits on a task token. Approving hands the token back
as a success and the activation goes on; rejecting hands it back as a failure and
the order returns to DRAFT. An approval nobody answers expires after the
configured time and is treated as a rejection.
"""

from typing import Any

from order_activation import aws, events_out
from order_activation.errors import ActivationStepError, InvalidStateError, NotFoundError
from order_activation.models.activations import ActivationError, ActivationRecord
from order_activation.models.common import timestamp, utc_now
from order_activation.observability import logger
from order_activation.storage.dynamo import TransactionConflictError, transact
from order_activation.storage.repositories import Activations, Orders

activations = Activations()
orders = Orders()

REJECTED_ERROR = "ApprovalRejected"


def request_approval(tenant_id: str, activation_id: str, order_id: str, task_token: str) -> None:
    """Parks the activation as PENDING_APPROVAL with its task token and announces it."""
    activation, order = _records(tenant_id, activation_id, order_id)
    if activation.status == "PENDING_APPROVAL":
        return
    if activation.status != "RUNNING":
        raise ActivationStepError(f"activation {activation_id} is {activation.status}")

    transact(
        [
            activations.transition_operation(
                tenant_id, activation_id, "RUNNING", {"status": "PENDING_APPROVAL", "task_token": task_token}
            ),
            orders.status_change(
                tenant_id, order, allowed_from=("ACTIVATING",), changes={"status": "PENDING_APPROVAL"}
            ),
        ]
    )
    events_out.publish(
        "approval.requested",
        tenant_id,
        {"orderId": order.id, "activationId": activation_id, "total": str(order.total), "currency": order.currency},
    )
    logger.info("approval requested", activation_id=activation_id)


def approve(tenant_id: str, activation_id: str) -> ActivationRecord:
    """Lets a PENDING_APPROVAL activation go on."""
    activation, order = _pending(tenant_id, activation_id)
    try:
        transact(
            [
                activations.transition_operation(tenant_id, activation_id, "PENDING_APPROVAL", {"status": "RUNNING"}),
                orders.status_change(
                    tenant_id, order, allowed_from=("PENDING_APPROVAL",), changes={"status": "ACTIVATING"}
                ),
            ]
        )
    except TransactionConflictError as error:
        raise InvalidStateError(f"activation {activation_id} is no longer waiting for approval") from error

    assert activation.task_token is not None
    aws.client("stepfunctions").send_task_success(taskToken=activation.task_token, output="{}")
    logger.info("activation approved", activation_id=activation_id)
    return activation.model_copy(update={"status": "RUNNING"})


def reject(tenant_id: str, activation_id: str, comment: str) -> None:
    """Ends a PENDING_APPROVAL activation as REJECTED; its order returns to DRAFT."""
    activation, order = _pending(tenant_id, activation_id)
    message = comment or "the order was rejected"
    try:
        _end_as_rejected(tenant_id, activation, order, "rejected", message)
    except TransactionConflictError as error:
        raise InvalidStateError(f"activation {activation_id} is no longer waiting for approval") from error

    assert activation.task_token is not None
    client = aws.client("stepfunctions")
    try:
        client.send_task_failure(taskToken=activation.task_token, error=REJECTED_ERROR, cause=message[:256])
    except (client.exceptions.TaskTimedOut, client.exceptions.InvalidToken):
        logger.info("rejected approval had already ended", activation_id=activation_id)
    logger.info("activation rejected", activation_id=activation_id)


def record_expiry(tenant_id: str, activation_id: str, order_id: str) -> None:
    """The state machine's answer to a rejection or an expired approval: REJECTED, order DRAFT."""
    activation, order = _records(tenant_id, activation_id, order_id)
    if activation.status != "PENDING_APPROVAL":
        return
    try:
        _end_as_rejected(tenant_id, activation, order, "approval_expired", "nobody approved the order in time")
    except TransactionConflictError:
        return
    logger.info("approval expired", activation_id=activation_id)


def _end_as_rejected(tenant_id: str, activation: ActivationRecord, order: Any, code: str, message: str) -> None:
    error = ActivationError(code=code, message=message, step="WaitForApproval")
    transact(
        [
            activations.transition_operation(
                tenant_id,
                activation.activation_id,
                "PENDING_APPROVAL",
                {
                    "status": "REJECTED",
                    "completed_at": timestamp(utc_now()),
                    "error": error.model_dump(mode="json", by_alias=False),
                },
            ),
            orders.status_change(tenant_id, order, allowed_from=("PENDING_APPROVAL",), changes={"status": "DRAFT"}),
        ]
    )


def _records(tenant_id: str, activation_id: str, order_id: str | None = None) -> tuple[ActivationRecord, Any]:
    activation = activations.get(tenant_id, activation_id)
    if activation is None:
        raise NotFoundError(f"activation {activation_id} not found")
    order = orders.get(tenant_id, order_id or activation.order_id)
    if order is None:
        raise NotFoundError(f"order {activation.order_id} not found")
    return activation, order


def _pending(tenant_id: str, activation_id: str) -> tuple[ActivationRecord, Any]:
    activation, order = _records(tenant_id, activation_id)
    if activation.status != "PENDING_APPROVAL":
        raise InvalidStateError(f"activation {activation_id} is {activation.status}, not PENDING_APPROVAL")
    return activation, order
