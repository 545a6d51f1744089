"""The local runtime behaves as the AWS services it stands in for, where the service relies on it."""

import threading
from typing import Any

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
