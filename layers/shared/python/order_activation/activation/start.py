"""Starting an activation: eligibility, the order's lock, and the state machine."""

import time
from dataclasses import dataclass
from typing import Any

from order_activation.errors import (
    ActivationInProgressError,
    NotFoundError,
    OrderNotDraftError,
    OrderNotEligibleError,
)
from order_activation.models.activations import ActivationRecord, ActivationRequest, ActivationStepInput
from order_activation.models.common import timestamp, utc_now
from order_activation.models.orders import Order, OrderStatus
from order_activation.observability import logger
from order_activation.orders import get_order
from order_activation.storage.dynamo import TransactionConflictError, derived_id
from order_activation.storage.repositories import ActivationRecords, Activations, Customers, Orders, Products
from order_activation.workflow import start_activate_order

ACTIVATABLE: tuple[OrderStatus, ...] = ("DRAFT", "ACTIVATION_FAILED")

activations = Activations()
orders = Orders()
customers = Customers()
products = Products()
records = ActivationRecords()


@dataclass(frozen=True)
class BatchLink:
    """The batch an activation belongs to, and the task token its outcome answers."""

    batch_id: str
    task_token: str


def start_activation(
    tenant_id: str, order_id: str, request: ActivationRequest, batch: BatchLink | None = None
) -> ActivationRecord:
    """Locks a DRAFT (or ACTIVATION_FAILED) order as ACTIVATING and starts its activation.

    The lock is a conditional write, so of two concurrent requests only one starts. The
    activation's id, and so its execution's name, derives from the order and its last
    activation: two starts from the same state of the order can only ever be one execution.
    """
    order = get_order(tenant_id, order_id)
    _check_status(order)
    _check_eligible(tenant_id, order)

    activation = ActivationRecord(
        activation_id=derived_id("act", tenant_id, order.id, order.activation_id or ""),
        batch_id=batch.batch_id if batch else None,
        order_id=order.id,
        customer_id=order.customer_id,
        status="RUNNING",
        options=request,
        started_at=timestamp(utc_now()),
    )
    lock = orders.status_change(
        tenant_id,
        order,
        allowed_from=ACTIVATABLE,
        changes={
            "status": "ACTIVATING",
            "activation_id": activation.activation_id,
            "po_number": request.po_number,
            "po_date": request.po_date.isoformat() if request.po_date else None,
        },
    )

    subscription_locks = _subscription_locks(tenant_id, order, activation.activation_id)
    try:
        activations.start(tenant_id, activation, [lock, *subscription_locks])
    except TransactionConflictError as error:
        _check_status(get_order(tenant_id, order_id))
        if order.type == "CHANGE":
            _check_subscriptions_unchanged(tenant_id, order)
            raise ActivationInProgressError(
                "a subscription of this change order is being changed by another activation"
            ) from error
        raise ActivationInProgressError(f"order {order_id} changed while activating") from error

    logger.info("activation started", activation_id=activation.activation_id, order_id=order.id)
    step_input = ActivationStepInput(
        tenant_id=tenant_id,
        activation_id=activation.activation_id,
        order_id=order.id,
        generate_invoice=request.generate_invoice,
        activate_invoice=request.activate_invoice,
        batch_id=batch.batch_id if batch else None,
        batch_task_token=batch.task_token if batch else None,
    )
    start_activate_order(step_input)
    return activation


MAX_LOCKS_PER_START = 98


def _subscription_locks(tenant_id: str, order: Order, activation_id: str) -> list[dict[str, Any]]:
    """A change order reserves each subscription it changes, in the same transaction as the order."""
    if order.type != "CHANGE":
        return []
    if len(order.lines) > MAX_LOCKS_PER_START:
        raise OrderNotEligibleError(
            f"a change order activates at most {MAX_LOCKS_PER_START} changes at once",
            [{"field": "changes", "message": f"split it into orders of {MAX_LOCKS_PER_START} changes or fewer"}],
        )
    return [
        records.lock_operation(tenant_id, line.subscription_id, line.base_version, activation_id)
        for line in order.lines
        if line.subscription_id is not None and line.base_version is not None
    ]


def _check_subscriptions_unchanged(tenant_id: str, order: Order) -> None:
    """Each subscription must still be ACTIVE at the version the change order was priced against."""
    reasons = []
    for index, line in enumerate(order.lines):
        assert line.subscription_id is not None
        latest = records.latest_subscription(tenant_id, line.subscription_id)
        if latest is None or latest.version != line.base_version or latest.status != "ACTIVE":
            message = "the subscription changed since this change order was priced; price a new one"
            reasons.append({"field": f"changes[{index}].subscriptionId", "message": message})
    if reasons:
        raise OrderNotEligibleError(f"order {order.id} cannot be activated", reasons)


def _check_status(order: Order) -> None:
    if order.status in ACTIVATABLE:
        return

    if order.status in ("ACTIVATING", "PENDING_APPROVAL"):
        raise ActivationInProgressError(f"order {order.id} is being activated", [{"activationId": order.activation_id}])

    details = [{"activationId": order.activation_id}] if order.activation_id else []
    raise OrderNotDraftError(f"order {order.id} is {order.status}, not DRAFT", details)


def _check_eligible(tenant_id: str, order: Order) -> None:
    reasons: list[dict[str, str]] = []
    if customers.get(tenant_id, order.customer_id) is None:
        reasons.append({"field": "customerId", "message": f"customer {order.customer_id} no longer exists"})

    catalog = products.get_many(tenant_id, (line.product_id for line in order.lines))
    for index, line in enumerate(order.lines):
        if line.product_id not in catalog:
            message = f"product {line.product_id} no longer exists"
            reasons.append({"field": f"lines[{index}].productId", "message": message})

    if reasons:
        raise OrderNotEligibleError(f"order {order.id} cannot be activated", reasons)
    if order.type == "CHANGE":
        _check_subscriptions_unchanged(tenant_id, order)


def wait_for_outcome(tenant_id: str, activation_id: str, seconds: float) -> ActivationRecord:
    """Polls the activation until it leaves RUNNING or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    pause = 0.05

    while True:
        activation = activations.get(tenant_id, activation_id)
        if activation is None:
            raise NotFoundError(f"activation {activation_id} not found")
        if activation.status != "RUNNING" or time.monotonic() >= deadline:
            return activation
        time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 1.5, 0.5)


MAX_WAIT_SECONDS = 25


def preferred_wait(prefer: str | None) -> float:
    """Reads `Prefer: wait=N`; N above 25 is capped, anything unreadable means no wait."""
    if not prefer:
        return 0

    for preference in prefer.split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "wait" and value.strip().isdigit():
            return float(min(int(value.strip()), MAX_WAIT_SECONDS))
    return 0
