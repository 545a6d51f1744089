"""Batch activation: an ActivateOrders event or the hourly schedule activates many orders, each once."""

import json
import os
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_runtime import cli
from order_activation import batches
from order_activation.models.batches import BatchRecord
from order_activation.storage import dynamo
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, customer, seat_product


def _orders(api: ApiClient, count: int, **fields: Any) -> list[dict[str, Any]]:
    seats, buyer = seat_product(api), customer(api)
    body = {
        "customerId": buyer["id"],
        "effectiveDate": "2026-01-31",
        "lines": [{"productId": seats["id"], "quantity": 2, "termMonths": 12}],
    }
    return [api.create("/orders", body | fields) for _ in range(count)]


def _publish(tenant_id: str, order_ids: list[str], options: dict[str, Any] | None = None) -> str:
    detail = {"tenantId": tenant_id, "orderIds": order_ids} | ({"options": options} if options else {})
    entry = {
        "Source": "tests",
        "DetailType": "ActivateOrders",
        "Detail": json.dumps(detail),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    result = boto3.client("events").put_events(Entries=[entry])["Entries"][0]
    return str(result["EventId"])


def _completed(tenant_id: str, batch_id: str, seconds: float = 150) -> BatchRecord:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = batches.progress(tenant_id, batch_id)
        if record is not None and record.status == "COMPLETED":
            return record
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} did not complete: {batches.progress(tenant_id, batch_id)}")


def _summary(bus_events: Any, batch_id: str) -> dict[str, Any]:
    published = [event for event in bus_events() if event["detail-type"] == "batch.completed"]
    matching = [event["detail"] for event in published if event["detail"]["batchId"] == batch_id]
    assert len(matching) == 1, published
    return dict(matching[0])


def _tamper_total(api: ApiClient, order_id: str) -> None:
    dynamo.records_table().update_item(
        Key={"pk": f"{api.tenant_id}#ORDER#{order_id}", "sk": "ORDER"},
        UpdateExpression="SET #total = :total",
        ExpressionAttributeNames={"#total": "total"},
        ExpressionAttributeValues={":total": "1.00"},
    )


def _subscriptions(api: ApiClient, customer_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/customers/{customer_id}/subscriptions?limit=100").json()["items"])


def test_an_activate_orders_event_activates_each_listed_order_once(api: ApiClient, stack: Any, bus_events: Any) -> None:
    # GIVEN 24 good drafts, 2 whose prices no longer add up, one already activated, and an unknown id
    orders = _orders(api, 27)
    good, broken, activated = orders[:24], orders[24:26], orders[26]
    for order in broken:
        _tamper_total(api, order["id"])
    assert activate(api, activated["id"]).json()["status"] == "SUCCEEDED"
    listed = [order["id"] for order in orders] + ["ord_unknown", good[0]["id"]]

    # WHEN one ActivateOrders event lists them all, one of them twice
    event_id = _publish(api.tenant_id, listed)
    batch_id = batches.batch_id_for(event_id, api.tenant_id)
    record = _completed(api.tenant_id, batch_id)

    # THEN each good order is ACTIVATED with its one subscription, the broken ones failed
    assert (record.total, record.succeeded, record.failed, record.skipped) == (28, 24, 3, 1)
    statuses = {order["id"]: api.get(f"/orders/{order['id']}").json()["status"] for order in orders}
    assert [statuses[order["id"]] for order in good] == ["ACTIVATED"] * 24
    assert [statuses[order["id"]] for order in broken] == ["ACTIVATION_FAILED"] * 2
    subscriptions = _subscriptions(api, good[0]["customerId"])
    assert sorted(s["orderId"] for s in subscriptions) == sorted(o["id"] for o in [*good, activated])

    # AND batch.completed carries the counts and the failed orders
    summary = _summary(bus_events, batch_id)
    assert summary | {"failedOrderIds": sorted(summary["failedOrderIds"])} == {
        "tenantId": api.tenant_id,
        "batchId": batch_id,
        "trigger": "event",
        "total": 28,
        "succeeded": 24,
        "failed": 3,
        "skipped": 1,
        "failedOrderIds": sorted([broken[0]["id"], broken[1]["id"], "ord_unknown"]),
        "startedAt": record.started_at,
        "completedAt": record.completed_at,
    }

    # WHEN EventBridge delivers the very same event again
    event = next(p for _, p in stack.delivery.delivered if isinstance(p, dict) and p.get("id") == event_id)
    stack.delivery.deliver(event, os.environ["EVENT_BUS_NAME"])
    time.sleep(1)

    # THEN no second batch runs: the batch and its counts are as they were
    assert batches.progress(api.tenant_id, batch_id) == record

    # WHEN the same list is published again as a new event
    again = batches.batch_id_for(_publish(api.tenant_id, listed), api.tenant_id)
    repeat = _completed(api.tenant_id, again)

    # THEN nothing more is activated: the activated orders are skipped, the broken ones fail again
    assert (repeat.succeeded, repeat.failed, repeat.skipped) == (0, 3, 25)
    assert len(_subscriptions(api, good[0]["customerId"])) == 25


def test_the_hourly_schedule_activates_the_due_auto_activate_orders(api: ApiClient, stack: Any) -> None:
    # GIVEN autoActivate drafts due in the past and with no date, one due in 2099, and a manual one
    due_dated = _orders(api, 1, autoActivate=True, activationDate="2026-02-01")[0]
    due_now = _orders(api, 1, autoActivate=True)[0]
    future = _orders(api, 1, autoActivate=True, activationDate="2099-01-01")[0]
    manual = _orders(api, 1)[0]

    # WHEN the schedule fires
    event = stack.delivery.fire_schedule("ScheduledActivationRule")
    record = _completed(api.tenant_id, batches.batch_id_for(event["id"], api.tenant_id))

    # THEN exactly the due orders of this tenant were activated
    assert (record.trigger, record.total, record.succeeded) == ("schedule", 2, 2)
    status = {order["id"]: api.get(f"/orders/{order['id']}").json()["status"] for order in (due_dated, due_now)}
    assert set(status.values()) == {"ACTIVATED"}
    assert api.get(f"/orders/{future['id']}").json()["status"] == "DRAFT"
    assert api.get(f"/orders/{manual['id']}").json()["status"] == "DRAFT"

    # AND an activated order is no longer due: the next run has nothing for this tenant
    later = stack.delivery.fire_schedule("ScheduledActivationRule")
    time.sleep(1)
    assert batches.progress(api.tenant_id, batches.batch_id_for(later["id"], api.tenant_id)) is None


def test_batch_options_reach_every_activation(api: ApiClient) -> None:
    # GIVEN two drafts
    orders = _orders(api, 2)

    # WHEN a batch activates them with an invoice each
    event_id = _publish(api.tenant_id, [order["id"] for order in orders], {"generateInvoice": True})
    record = _completed(api.tenant_id, batches.batch_id_for(event_id, api.tenant_id))

    # THEN each order has its own DRAFT invoice
    assert record.succeeded == 2
    invoices = api.get(f"/invoices?customerId={orders[0]['customerId']}").json()["items"]
    assert sorted(invoice["orderId"] for invoice in invoices) == sorted(order["id"] for order in orders)


@pytest.mark.parametrize(
    "detail",
    [
        {"orderIds": ["ord_a"]},
        {"tenantId": "t", "orderIds": []},
        {"tenantId": "t", "orderIds": ["ord_a"], "options": {"activateInvoice": True}},
    ],
    ids=["no-tenant", "no-orders", "bad-options"],
)
def test_a_malformed_event_starts_nothing_and_ends_in_the_dead_letter_queue(stack: Any, detail: dict) -> None:
    # GIVEN the dead-letter queue of the event targets
    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName="EventDeadLetterQueue")["QueueUrl"]
    before = len(stack.delivery.dead_letters)

    # WHEN an ActivateOrders event without what it needs is published
    entry = {
        "Source": "tests",
        "DetailType": "ActivateOrders",
        "Detail": json.dumps(detail),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    event_id = boto3.client("events").put_events(Entries=[entry])["Entries"][0]["EventId"]

    # THEN after its retries the event waits in the dead-letter queue, whole
    deadline = time.monotonic() + 30
    while len(stack.delivery.dead_letters) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert event_id in [json.loads(message["Body"])["id"] for message in messages]

    # AND no batch was recorded for it
    assert batches.progress("t", batches.batch_id_for(event_id, "t")) is None


def test_the_command_line_publishes_a_batch_and_prints_its_summary(
    api: ApiClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a file listing three drafts and an unknown order
    orders = _orders(api, 3)
    listing = tmp_path / "orders.txt"
    listing.write_text("\n".join([*(order["id"] for order in orders), "ord_unknown", ""]))

    # WHEN the command runs
    exit_code = cli.main(["batch", str(listing), "--tenant", api.tenant_id, "--poll", "0.2", "--timeout", "150"])

    # THEN it reports the failure, and the summary names it
    printed = capsys.readouterr()
    assert exit_code == 1, printed
    assert "orders: 4  succeeded: 3  failed: 1  skipped: 0" in printed.out
    assert "failed: ord_unknown" in printed.out
    assert "4/4" in printed.err
    assert {api.get(f"/orders/{order['id']}").json()["status"] for order in orders} == {"ACTIVATED"}
