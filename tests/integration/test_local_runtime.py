"""The local runtime behaves as the AWS services it stands in for, where the service relies on it."""

import base64
import contextlib
import gc
import json
import os
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest

from order_activation.storage import dynamo
from order_activation.storage.dynamo import TransactionConflictError
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order


def _item(pk: str) -> dict[str, Any] | None:
    return dynamo.records_table().get_item(Key={"pk": pk, "sk": "TEST"}).get("Item")


def test_a_failed_transaction_changes_nothing(stack: Any) -> None:
    # GIVEN two items, one of which a transaction's condition will refuse
    table = dynamo.records_table()
    table.put_item(Item={"pk": "rollback#a", "sk": "TEST", "value": 1, "nested": {"list": [1, 2]}})
    table.put_item(Item={"pk": "rollback#b", "sk": "TEST", "value": 1})

    # WHEN a transaction updates the first, adds a third and fails on the second
    with pytest.raises(TransactionConflictError) as refused:
        dynamo.transact(
            [
                dynamo.update_operation(
                    {"pk": "rollback#a", "sk": "TEST"},
                    "SET #v = :two, nested.#l = :l",
                    {":two": 2, ":l": [9]},
                    names={"#v": "value", "#l": "list"},
                ),
                dynamo.put_operation({"pk": "rollback#c", "sk": "TEST"}),
                dynamo.update_operation(
                    {"pk": "rollback#b", "sk": "TEST"},
                    "SET #v = :two",
                    {":two": 2, ":three": 3},
                    "#v = :three",
                    {"#v": "value"},
                ),
            ]
        )

    # THEN DynamoDB's answer names the failed condition, and every item is as it was
    assert refused.value.reasons == ["None", "None", "ConditionalCheckFailed"]
    assert _item("rollback#a") == {"pk": "rollback#a", "sk": "TEST", "value": 1, "nested": {"list": [1, 2]}}
    assert _item("rollback#b") == {"pk": "rollback#b", "sk": "TEST", "value": 1}
    assert _item("rollback#c") is None


def test_concurrent_transactions_lose_no_update(stack: Any) -> None:
    # GIVEN a counter and twenty writers that each add one, half of them failing on purpose
    table = dynamo.records_table()
    table.put_item(Item={"pk": "race#counter", "sk": "TEST", "value": 0})

    def add_one(index: int) -> None:
        operations = [
            dynamo.update_operation(
                {"pk": "race#counter", "sk": "TEST"}, "ADD #v :one", {":one": 1}, names={"#v": "value"}
            ),
            dynamo.put_operation({"pk": f"race#{index % 10}", "sk": "TEST"}, "attribute_not_exists(pk)"),
        ]
        try:
            dynamo.transact(operations)
        except TransactionConflictError:
            return

    # WHEN they all run at once
    threads = [threading.Thread(target=add_one, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly the ten that committed are counted
    assert _item("race#counter")["value"] == 10  # type: ignore[index]


def test_transactions_leave_no_copies_of_the_table_behind(stack: Any) -> None:
    # GIVEN the moto tables alive once the stack is up
    from moto.dynamodb.models.table import Table

    def live_tables() -> int:
        gc.collect()
        return sum(1 for found in gc.get_objects() if isinstance(found, Table))

    before = live_tables()

    # WHEN forty transactions run, every other one refused by its condition
    for index in range(40):
        condition = "attribute_not_exists(pk)" if index % 2 else "attribute_exists(pk)"
        with contextlib.suppress(TransactionConflictError):
            dynamo.transact([dynamo.put_operation({"pk": f"snapshot#{index}", "sk": "TEST"}, condition)])

    # THEN the writes landed, and no undo snapshot outlived its transaction
    assert _item("snapshot#1") is not None
    assert _item("snapshot#0") is None
    assert live_tables() == before


def test_activation_outcomes_reach_the_bus(api: ApiClient, bus_events: Any) -> None:
    # GIVEN an order activated with an ACTIVE invoice
    order = draft_order(api)
    activation = activate(api, order["id"], {"generateInvoice": True, "activateInvoice": True}).json()

    # WHEN the bus's events are read
    published = [event for event in bus_events() if event["detail"]["tenantId"] == api.tenant_id]

    # THEN it carried order.activated and invoice.activated from order-activation
    kinds = sorted(event["detail-type"] for event in published)
    assert kinds == ["invoice.activated", "order.activated"]
    assert all(event["source"] == "order-activation" for event in published)
    invoice_event = next(event for event in published if event["detail-type"] == "invoice.activated")
    assert invoice_event["detail"]["invoiceNumber"] == activation["invoice"]["invoiceNumber"]
    assert invoice_event["detail"]["total"] == "2354.44"


def test_people_are_told_of_activations_through_the_topic(api: ApiClient, stack: Any) -> None:
    # GIVEN a queue subscribed to the notification topic, as an e-mail address would be
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    queue_url = sqs.create_queue(QueueName=f"people-{os.getpid()}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = next(topic["TopicArn"] for topic in sns.list_topics()["Topics"] if "NotificationTopic" in topic["TopicArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    # WHEN an order is activated
    order = draft_order(api)
    activate(api, order["id"])

    # THEN a short message about it arrived
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    bodies = [message["Body"] for message in messages]
    assert f"order.activated: order {order['id']} of tenant {api.tenant_id}" in bodies


def test_api_gateway_may_hand_the_webhook_body_base64_encoded(stack: Any) -> None:
    # GIVEN a signed event for nothing the service knows, base64-encoded as API Gateway may send it
    from tests.e2e.stripe_helpers import payment_intent_event, signed

    event = payment_intent_event("evt_b64", "payment_intent.succeeded", "pi_b64", {"tenant_id": "t", "invoice_id": "i"})
    payload, signature = signed(event, "whsec_local")
    proxy_event = json.loads((Path(__file__).parents[2] / "events" / "stripe_webhook_request.json").read_text())
    proxy_event["body"] = base64.b64encode(payload.encode()).decode()
    proxy_event["isBase64Encoded"] = True
    proxy_event["headers"]["Stripe-Signature"] = signature
    proxy_event["multiValueHeaders"]["Stripe-Signature"] = [signature]

    # WHEN the webhook function receives it
    answer = stack.functions.functions["StripeWebhookFunction"].invoke(proxy_event)

    # THEN the signature is checked over the decoded bytes and the event is accepted
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"]) == {"received": True, "outcome": "ignored"}
