"""Requests that race: one activation per order, numbers without gaps, one change per version."""

import threading
from collections.abc import Callable
from typing import Any

import requests

from tests.conftest import ApiClient
from tests.e2e.executions import wait_until_ended
from tests.e2e.helpers import customer, draft_order, seat_product
from tests.e2e.stripe_helpers import intents_for_invoice

INVOICE_AND_CHARGE = {"generateInvoice": True, "activateInvoice": True}
IN_FLIGHT_CODES = {"activation_in_progress", "order_not_draft"}

Call = Callable[[], requests.Response]


def _all_at_once(calls: list[Call]) -> list[requests.Response]:
    """Runs every call on its own thread, released together; answers in the order given."""
    answers: list[requests.Response | None] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def _post(api: ApiClient, path: str, body: dict[str, Any], wait: int = 0) -> Call:
    """A POST on a connection of its own, as another client would send it."""
    headers = {"x-api-key": api.session.headers["x-api-key"]}
    if wait:
        headers["Prefer"] = f"wait={wait}"
    return lambda: requests.post(api.url + path, json=body, headers=headers, timeout=60)


def _activation(api: ApiClient, order_id: str, body: dict[str, Any], wait: int = 20) -> Call:
    return _post(api, f"/orders/{order_id}/activate", body, wait)


def test_ten_activations_of_one_order_at_once_run_one(api: ApiClient) -> None:
    # GIVEN a draft order for a customer with a saved card
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN ten clients activate it at the same moment, each waiting for the outcome
    answers = _all_at_once([_activation(api, order["id"], INVOICE_AND_CHARGE)] * 10)

    # THEN one activation ran, the order's: whoever got 200 got it whole, SUCCEEDED
    assert all(answer.status_code in (200, 409) for answer in answers), [a.text for a in answers]
    finished = [answer.json() for answer in answers if answer.status_code == 200]
    activation_id = api.get(f"/orders/{order['id']}").json()["activationId"]
    assert {activation["activationId"] for activation in finished} == {activation_id}
    activation = finished[0]
    assert activation["status"] == "SUCCEEDED", activation["error"]

    # AND every other client was told it is in progress or done, naming that activation
    refused = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    assert {error["code"] for error in refused} <= IN_FLIGHT_CODES
    assert all(error["details"] == [{"activationId": activation_id}] for error in refused)

    # AND the order has one subscription, one asset, one invoice and one charge
    buyer = order["customerId"]
    assert len(api.get(f"/customers/{buyer}/subscriptions").json()["items"]) == 1
    assert len(api.get(f"/customers/{buyer}/assets").json()["items"]) == 1
    invoices = api.get("/invoices", params={"customerId": buyer}).json()["items"]
    assert [(item["invoiceNumber"], item["paymentStatus"]) for item in invoices] == [("INV-000001", "PAID")]
    assert [intent.status for intent in intents_for_invoice(invoices[0]["id"])] == ["succeeded"]
    assert wait_until_ended(activation_id) == "SUCCEEDED"


def test_orders_created_and_invoiced_at_once_are_numbered_without_gaps(api: ApiClient) -> None:
    # GIVEN one product and one customer
    seats, buyer = seat_product(api), customer(api)
    body = {
        "customerId": buyer["id"],
        "effectiveDate": "2026-03-01",
        "lines": [{"productId": seats["id"], "quantity": 3, "termMonths": 12}],
    }
    count = 6

    # WHEN six clients each create an order and activate it with an invoice, all at once
    def create_and_activate() -> requests.Response:
        created = _post(api, "/orders", body)()
        assert created.status_code == 201, created.text
        return _activation(api, created.json()["id"], INVOICE_AND_CHARGE, wait=25)()

    answers = _all_at_once([create_and_activate] * count)

    # THEN every activation succeeded
    activations = []
    for answer in answers:
        assert answer.status_code in (200, 202), answer.text
        activation_id = answer.json()["activationId"]
        assert wait_until_ended(activation_id) == "SUCCEEDED"
        activations.append(api.get(f"/activations/{activation_id}").json())

    # AND orders, subscriptions and invoices each hold distinct consecutive numbers
    def numbers(prefix: str) -> list[str]:
        return [f"{prefix}-{number:06d}" for number in range(1, count + 1)]

    assert sorted(item["order"]["orderNumber"] for item in activations) == numbers("O")
    assert sorted(item["subscriptions"][0]["subscriptionNumber"] for item in activations) == numbers("SUB")
    assert sorted(item["invoice"]["invoiceNumber"] for item in activations) == numbers("INV")

    # AND the customer's invoice list agrees, each one ACTIVE
    listed = api.get("/invoices", params={"customerId": buyer["id"]}).json()["items"]
    assert sorted((item["invoiceNumber"], item["status"]) for item in listed) == [
        (number, "ACTIVE") for number in numbers("INV")
    ]


def _subscription(api: ApiClient, buyer_id: str, product_id: str) -> str:
    order = api.create(
        "/orders",
        {
            "customerId": buyer_id,
            "effectiveDate": "2026-01-01",
            "lines": [{"productId": product_id, "quantity": 10, "termMonths": 12}],
        },
    )
    activation = _activation(api, order["id"], {})().json()
    assert activation["status"] == "SUCCEEDED", activation["error"]
    return str(activation["subscriptions"][0]["id"])


def test_a_quantity_change_racing_a_cancellation_of_one_subscription_lets_one_win(
    api: ApiClient,
) -> None:
    # GIVEN an active subscription of 10 seats, and two change orders priced against its version 1
    buyer = customer(api)["id"]
    subscription_id = _subscription(api, buyer, seat_product(api)["id"])
    changes = [
        {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 30},
        {"changeType": "CANCEL", "subscriptionId": subscription_id},
    ]
    orders = [
        api.create("/change-orders", {"customerId": buyer, "effectiveDate": "2026-02-10", "changes": [c]})
        for c in changes
    ]

    # WHEN both are activated at the same moment
    answers = _all_at_once([_activation(api, order["id"], {}) for order in orders])

    # THEN one wins and the other is refused with a contract error
    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses)[0] == 200 and sorted(statuses)[1] in (409, 422), [a.text for a in answers]
    winner = statuses.index(200)
    loser = 1 - winner
    assert answers[winner].json()["status"] == "SUCCEEDED"
    refusal = answers[loser].json()["error"]["code"]
    assert refusal in ("activation_in_progress", "order_not_eligible")

    # AND the subscription holds the winner's version on top of version 1, nothing else
    expected_top = (2, 30, "ACTIVE") if winner == 0 else (2, 10, "CANCELED")
    history = api.get(f"/subscriptions/{subscription_id}").json()["versions"]
    assert [(item["version"], item["quantity"], item["status"]) for item in history] == [
        expected_top,
        (1, 10, "ACTIVE"),
    ]

    # AND the loser stays a DRAFT that can never apply to the changed subscription
    assert api.get(f"/orders/{orders[loser]['id']}").json()["status"] == "DRAFT"
    again = _activation(api, orders[loser]["id"], {})()
    assert (again.status_code, again.json()["error"]["code"]) == (422, "order_not_eligible")


def test_a_cancel_racing_an_activation_of_one_draft_lets_one_win(api: ApiClient) -> None:
    # GIVEN three draft orders
    orders = [draft_order(api) for _ in range(3)]

    # WHEN each is canceled and activated at the same moment
    calls = []
    for order in orders:
        calls += [
            _post(api, f"/orders/{order['id']}/cancel", {}),
            _activation(api, order["id"], {}),
        ]
    answers = _all_at_once(calls)

    # THEN for each order exactly one request won, and the other got 409
    for index, order in enumerate(orders):
        cancel, activation = answers[2 * index], answers[2 * index + 1]
        statuses = sorted((cancel.status_code, activation.status_code))
        assert statuses == [200, 409], (cancel.text, activation.text)
        loser = cancel if cancel.status_code == 409 else activation
        assert loser.json()["error"]["code"] in IN_FLIGHT_CODES

        # AND the order and its records agree with the winner
        stored = api.get(f"/orders/{order['id']}").json()
        buyer = order["customerId"]
        subscriptions = api.get(f"/customers/{buyer}/subscriptions").json()["items"]
        if cancel.status_code == 200:
            assert (stored["status"], subscriptions) == ("CANCELED", [])
        else:
            assert activation.json()["status"] == "SUCCEEDED"
            assert (stored["status"], len(subscriptions)) == ("ACTIVATED", 1)
