"""Batch activation: many orders, each activated on its own, counted into one summary.

An `ActivateOrders` event, or the hourly schedule, starts one BatchActivation
execution per batch. Its Distributed Map reads the batch's order ids from S3 and
activates each order through the ordinary ActivateOrder state machine, waiting
on a task token that the activation answers when it ends. Each outcome is
counted once on the batch record; the last step publishes `batch.completed`.

A batch's id derives from the event that started it, so the same event
delivered again starts nothing new; an order already activated, or being
activated, is counted as skipped.
"""

import json
from collections import defaultdict
from datetime import date
from typing import Any

from order_activation import aws, events_out
from order_activation.activation.start import BatchLink, start_activation
from order_activation.errors import ActivationInProgressError, DomainError, OrderNotDraftError
from order_activation.models.activations import ActivationRequest
from order_activation.models.batches import (
    ActivateOrdersDetail,
    BatchInput,
    BatchItem,
    BatchOutcome,
    BatchOutcomeStatus,
    BatchRecord,
    BatchSummary,
    BatchTrigger,
)
from order_activation.models.common import timestamp, utc_now
from order_activation.observability import logger
from order_activation.settings import settings
from order_activation.storage.dynamo import derived_id
from order_activation.storage.repositories import Activations, Batches, Orders

SCHEDULED = "Scheduled Event"
ACTIVATE_ORDERS = "ActivateOrders"
MAX_FAILED_IDS_IN_SUMMARY = 2_000
OUTCOME_WAIT_MARGIN_SECONDS = 3600

batches = Batches()
orders = Orders()
activations = Activations()


def batch_id_for(event_id: str, tenant_id: str) -> str:
    """The batch an event starts for a tenant; the same on every delivery of that event."""
    return derived_id("bat", event_id, tenant_id)


def start_from_event(event: dict[str, Any]) -> list[str]:
    """Starts the batches an EventBridge event asks for and returns their ids."""
    if event.get("detail-type") == SCHEDULED:
        return start_due_batches(event["id"], utc_now().date())

    detail = ActivateOrdersDetail.model_validate(event.get("detail") or {})
    batch_id = batch_id_for(event["id"], detail.tenant_id)
    start_batch(detail.tenant_id, batch_id, "event", detail.order_ids, detail.options)
    return [batch_id]


def start_due_batches(event_id: str, today: date) -> list[str]:
    """One batch per tenant of the DRAFT `autoActivate` orders due on or before `today`."""
    due: dict[str, list[str]] = defaultdict(list)
    for tenant_id, order_id in orders.due_for_activation(today):
        due[tenant_id].append(order_id)

    started = []
    for tenant_id, order_ids in due.items():
        batch_id = batch_id_for(event_id, tenant_id)
        start_batch(tenant_id, batch_id, "schedule", order_ids, ActivationRequest())
        started.append(batch_id)
    logger.info("scheduled activation planned", batches=len(started), orders=sum(map(len, due.values())))
    return started


def start_batch(
    tenant_id: str, batch_id: str, trigger: BatchTrigger, order_ids: list[str], options: ActivationRequest
) -> None:
    """Records the batch, writes its order ids to S3 and starts its execution; each part once."""
    unique_ids = list(dict.fromkeys(order_ids))
    record = BatchRecord(
        batch_id=batch_id,
        tenant_id=tenant_id,
        trigger=trigger,
        status="RUNNING",
        total=len(unique_ids),
        started_at=timestamp(utc_now()),
    )
    if not batches.add(tenant_id, record):
        logger.info("batch already started", batch_id=batch_id)

    manifest_key = f"batches/{tenant_id}/{batch_id}.json"
    bucket = settings().batch_manifest_bucket
    assert bucket, "BATCH_MANIFEST_BUCKET is not set"
    body = json.dumps([{"orderId": order_id} for order_id in unique_ids])
    aws.client("s3").put_object(Bucket=bucket, Key=manifest_key, Body=body.encode(), ContentType="application/json")

    batch_input = BatchInput(
        tenant_id=tenant_id,
        batch_id=batch_id,
        manifest_bucket=bucket,
        manifest_key=manifest_key,
        options=options,
        outcome_timeout_seconds=settings().approval_timeout_seconds + OUTCOME_WAIT_MARGIN_SECONDS,
        max_concurrency=settings().batch_concurrency,
    )
    client = aws.client("stepfunctions")
    try:
        client.start_execution(
            stateMachineArn=settings().batch_state_machine_arn,
            name=batch_id,
            input=batch_input.model_dump_json(by_alias=True),
        )
    except client.exceptions.ExecutionAlreadyExists:
        logger.info("batch execution already exists", batch_id=batch_id)
        return
    logger.info("batch started", batch_id=batch_id, orders=record.total, trigger=trigger)


def activate_batch_order(item: BatchItem) -> None:
    """Starts one order's activation; an order that cannot start is answered at once."""
    link = BatchLink(batch_id=item.batch_id, task_token=item.task_token)
    try:
        activation = start_activation(item.tenant_id, item.order_id, item.options, link)
    except (OrderNotDraftError, ActivationInProgressError) as error:
        if _started_by_this_batch(item):
            logger.info("order already activating in this batch", order_id=item.order_id)
            return
        report(item.task_token, _outcome(item.order_id, "SKIPPED", error))
        return
    except DomainError as error:
        report(item.task_token, _outcome(item.order_id, "FAILED", error))
        return
    logger.info("batch order started", order_id=item.order_id, activation_id=activation.activation_id)


def _started_by_this_batch(item: BatchItem) -> bool:
    """A retried start finds the order locked by the activation it started itself."""
    order = orders.get(item.tenant_id, item.order_id)
    if order is None or order.activation_id is None or order.status not in ("ACTIVATING", "PENDING_APPROVAL"):
        return False
    activation = activations.get(item.tenant_id, order.activation_id)
    return activation is not None and activation.batch_id == item.batch_id


def _outcome(order_id: str, status: BatchOutcomeStatus, error: DomainError) -> BatchOutcome:
    return BatchOutcome(order_id=order_id, status=status, error_code=error.code, error_message=error.message)


def report(task_token: str | None, outcome: BatchOutcome) -> None:
    """Hands an order's outcome to the batch waiting for it; a batch that stopped waiting is told nothing."""
    if not task_token:
        return
    client = aws.client("stepfunctions")
    try:
        client.send_task_success(taskToken=task_token, output=outcome.model_dump_json(by_alias=True))
    except (client.exceptions.TaskTimedOut, client.exceptions.InvalidToken, client.exceptions.TaskDoesNotExist):
        logger.info("batch no longer waits for this order", order_id=outcome.order_id)


def record_outcome(tenant_id: str, batch_id: str, outcome: BatchOutcome) -> None:
    """Counts one order's outcome on its batch, once however often it is recorded."""
    counted = batches.count_outcome(tenant_id, batch_id, outcome)
    logger.info("batch outcome", order_id=outcome.order_id, outcome=outcome.status, counted=counted)


def summarize(tenant_id: str, batch_id: str) -> BatchSummary:
    """Closes the batch and publishes `batch.completed` with its counts and failed orders."""
    record = batches.get(tenant_id, batch_id)
    if record is None:
        raise DomainError(f"batch {batch_id} not found")

    completed_at = record.completed_at or timestamp(utc_now())
    batches.complete(tenant_id, batch_id, completed_at)
    failed_ids = batches.failed_order_ids(tenant_id, batch_id, MAX_FAILED_IDS_IN_SUMMARY)
    summary = BatchSummary(
        tenant_id=tenant_id,
        batch_id=batch_id,
        trigger=record.trigger,
        total=record.total,
        succeeded=record.succeeded,
        failed=record.failed,
        skipped=record.skipped,
        failed_order_ids=failed_ids,
        started_at=record.started_at,
        completed_at=completed_at,
    )

    detail = summary.model_dump(mode="json", by_alias=True, exclude={"tenant_id"})
    events_out.publish("batch.completed", tenant_id, detail)
    logger.info(
        "batch completed",
        batch_id=batch_id,
        succeeded=record.succeeded,
        failed=record.failed,
        skipped=record.skipped,
    )
    return summary


def progress(tenant_id: str, batch_id: str) -> BatchRecord | None:
    return batches.get(tenant_id, batch_id)
