"""One batch benchmark run in a fresh process: `python -m bench.batch_run ORDERS`.

Starts its own local stack, creates ORDERS one-line drafts (three of them with
totals that no longer add up, so their activations fail), activates them all with
one `ActivateOrders` event, reads its `batch.completed` summary, delivers the very
same event again, publishes the same list as a new event, and prints one JSON line
with what it measured and found.

Peak memory is traced inside the two functions that see the whole batch (the one
that starts it and the one that summarizes it); each order's own functions see one
order. The process's peak RSS also holds the local stack's data, so some of its growth
with the batch is the local stack's own; it is reported apart.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
import tracemalloc
from typing import Any

import boto3

FAILING = 3
BATCH_WIDE = ("StartBatchFunction", "SummarizeBatchFunction")


def main(count: int) -> dict[str, Any]:
    from local_runtime.stack import LocalStack
    from order_activation import batches
    from order_activation.api_keys import register_key
    from tests.conftest import ApiClient
    from tests.e2e.helpers import customer, seat_product

    stack = LocalStack(parameters={"ApprovalThreshold": "1000000000.00"}).start()
    peaks = _trace_batch_wide(stack)
    register_key("bench", "bench-key")
    api = ApiClient(stack.url, "bench-key", "bench")

    seats, buyer = seat_product(api), customer(api)
    body = {
        "customerId": buyer["id"],
        "effectiveDate": "2026-01-31",
        "lines": [{"productId": seats["id"], "quantity": 2, "termMonths": 12}],
    }
    order_ids = [api.create("/orders", body)["id"] for _ in range(count)]
    failing = order_ids[:: count // FAILING][:FAILING]
    for order_id in failing:
        _break_total("bench", order_id)

    summaries = _summaries()
    started = time.perf_counter()
    event_id = _publish("bench", order_ids)
    batch_id = batches.batch_id_for(event_id, "bench")
    record = _completed(batches, "bench", batch_id)
    seconds = time.perf_counter() - started
    (summary,) = _waiting_for(summaries)

    # EventBridge delivers at least once: the very same event, delivered again.
    _deliver_again(stack, event_id)
    redelivered = batches.progress("bench", batch_id) == record and not summaries()

    again = _completed(batches, "bench", batches.batch_id_for(_publish("bench", order_ids), "bench"))
    subscriptions = _subscription_orders(api, buyer["id"])
    reported = batches.batches.failed_order_ids("bench", batch_id, 100)
    stack.stop()

    return {
        "orders": count,
        "seconds": seconds,
        "orders_per_second": count / seconds,
        "counts": [record.succeeded, record.failed, record.skipped],
        "summary_counts": [summary["succeeded"], summary["failed"], summary["skipped"]],
        "summary_failed_reported": sorted(summary["failedOrderIds"]) == sorted(failing),
        "redelivery_changed_nothing": redelivered,
        "repeat_counts": [again.succeeded, again.failed, again.skipped],
        "activated_once": len(subscriptions) == len(set(subscriptions)) == count - FAILING,
        "failed_reported": sorted(reported) == sorted(failing),
        "batch_wide_peak_kib": {name: peak / 1024 for name, peak in peaks.items()},
        "process_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _trace_batch_wide(stack: Any) -> dict[str, int]:
    """Records the traced peak inside each invocation of the batch-wide functions."""
    peaks: dict[str, int] = {}
    lock = threading.Lock()
    for name in BATCH_WIDE:
        function = stack.functions.functions[name]
        invoke = function.invoke

        def traced(event: Any, _invoke: Any = invoke, _name: str = name) -> Any:
            with lock:
                tracemalloc.start()
                try:
                    return _invoke(event)
                finally:
                    peaks[_name] = max(peaks.get(_name, 0), tracemalloc.get_traced_memory()[1])
                    tracemalloc.stop()

        function.invoke = traced  # type: ignore[method-assign]
    return peaks


def _break_total(tenant_id: str, order_id: str) -> None:
    from order_activation.storage import dynamo

    dynamo.records_table().update_item(
        Key={"pk": f"{tenant_id}#ORDER#{order_id}", "sk": "ORDER"},
        UpdateExpression="SET #total = :total",
        ExpressionAttributeNames={"#total": "total"},
        ExpressionAttributeValues={":total": "1.00"},
    )


def _publish(tenant_id: str, order_ids: list[str]) -> str:
    entry = {
        "Source": "bench",
        "DetailType": "ActivateOrders",
        "Detail": json.dumps({"tenantId": tenant_id, "orderIds": order_ids}),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    return str(boto3.client("events").put_events(Entries=[entry])["Entries"][0]["EventId"])


def _summaries() -> Any:
    """Reads the `batch.completed` events published from now on, through a rule and a queue."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="bench-batch-completed")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    bus = os.environ["EVENT_BUS_NAME"]
    pattern = {"source": ["order-activation"], "detail-type": ["batch.completed"]}
    events.put_rule(Name="bench-batch-completed", EventBusName=bus, EventPattern=json.dumps(pattern))
    target = {"Id": "queue", "Arn": attributes["Attributes"]["QueueArn"]}
    events.put_targets(Rule="bench-batch-completed", EventBusName=bus, Targets=[target])

    def received() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(message["Body"])["detail"] for message in messages.get("Messages", [])]

    return received


def _waiting_for(read: Any, seconds: float = 30) -> list[dict[str, Any]]:
    """What `read` answers first that is not empty, or nothing after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found: list[dict[str, Any]] = read()
        if found:
            return found
    return []


def _deliver_again(stack: Any, event_id: str) -> None:
    """Hands the bus's event `event_id` to its rules' targets once more, and lets them run."""
    delivered = (payload for _, payload in stack.delivery.delivered if isinstance(payload, dict))
    event = next(payload for payload in delivered if payload.get("id") == event_id)
    stack.delivery.deliver(event, os.environ["EVENT_BUS_NAME"])
    time.sleep(5)


def _completed(batches: Any, tenant_id: str, batch_id: str) -> Any:
    while True:
        record = batches.progress(tenant_id, batch_id)
        if record is not None and record.status == "COMPLETED":
            return record
        time.sleep(0.5)


def _subscription_orders(api: Any, customer_id: str) -> list[str]:
    orders: list[str] = []
    token = None
    while True:
        params = {"limit": 100} | ({"nextToken": token} if token else {})
        page = api.get(f"/customers/{customer_id}/subscriptions", params=params).json()
        orders.extend(item["orderId"] for item in page["items"])
        token = page.get("nextToken")
        if not token:
            return orders


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
