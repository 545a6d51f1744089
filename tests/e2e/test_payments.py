"""Payments through the local Stripe: charged exactly once, declines reported, links that work."""

import time
from typing import Any

import pytest
import requests
import stripe

from order_activation.payments import stripe_gateway
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order
from tests.e2e.stripe_helpers import intents_for_invoice, stripe_api

INVOICE_NOW = {"generateInvoice": True, "activateInvoice": True}


def test_a_saved_card_is_charged_exactly_once_and_the_invoice_is_paid(api: ApiClient, bus_events: Any) -> None:
    # GIVEN a customer with a saved Visa card
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN the order is activated with an ACTIVE invoice
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN the payment succeeded and the invoice is PAID
    assert activation["status"] == "SUCCEEDED", activation["error"]
    invoice, payment = activation["invoice"], activation["payment"]
    assert invoice["paymentStatus"] == "PAID"
    assert (payment["status"], payment["amount"], payment["currency"]) == ("SUCCEEDED", "2354.44", "USD")
    assert payment["failureMessage"] is None

    # AND Stripe holds exactly one successful PaymentIntent for it, in cents, with our metadata
    [intent] = intents_for_invoice(invoice["id"])
    assert (intent.id, intent.status, intent.amount, intent.currency) == (
        payment["externalId"],
        "succeeded",
        235444,
        "usd",
    )
    assert intent.metadata.to_dict() == {
        "tenant_id": api.tenant_id,
        "order_id": order["id"],
        "invoice_id": invoice["id"],
    }

    # AND Stripe's own webhook for it, arriving later, changes nothing
    time.sleep(1.5)
    assert api.get(f"/invoices/{invoice['id']}").json()["paymentStatus"] == "PAID"
    kinds = [event["detail-type"] for event in bus_events() if event["detail"]["tenantId"] == api.tenant_id]
    assert kinds.count("invoice.paid") == 1


def test_a_declined_card_still_activates_and_says_why(api: ApiClient, bus_events: Any) -> None:
    # GIVEN a customer whose card declines on charge
    order = draft_order(api, paymentMethod="pm_card_chargeCustomerFail")

    # WHEN the order is activated with an ACTIVE invoice
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN the activation succeeded, the order is ACTIVATED and the invoice ACTIVE but unpaid
    assert activation["status"] == "SUCCEEDED"
    assert activation["order"]["status"] == "ACTIVATED"
    invoice, payment = activation["invoice"], activation["payment"]
    assert (invoice["status"], invoice["paymentStatus"]) == ("ACTIVE", "FAILED")
    assert payment["status"] == "FAILED"
    assert "declined" in payment["failureMessage"]
    assert invoice["paymentUrl"]

    # AND payment.failed went to the bus
    published = [event for event in bus_events() if event["detail"]["tenantId"] == api.tenant_id]
    failed = [event for event in published if event["detail-type"] == "payment.failed"]
    assert len(failed) == 1
    assert failed[0]["detail"]["invoiceId"] == invoice["id"]


def test_without_a_card_the_invoice_gets_a_link_the_customer_can_pay(api: ApiClient) -> None:
    # GIVEN a customer without a saved payment method
    order = draft_order(api)

    # WHEN the order is activated with an ACTIVE invoice
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN nothing was charged and the invoice offers a payment page
    invoice = activation["invoice"]
    assert (invoice["paymentStatus"], activation["payment"]) == ("UNPAID", None)
    assert intents_for_invoice(invoice["id"]) == []
    page = requests.get(invoice["paymentUrl"], timeout=10)
    assert page.status_code == 200

    # WHEN the customer pays on that page
    assert requests.post(invoice["paymentUrl"], timeout=10).status_code == 200

    # THEN Stripe's signed webhook marks the invoice PAID
    deadline = time.monotonic() + 15
    status = "UNPAID"
    while status != "PAID" and time.monotonic() < deadline:
        time.sleep(0.3)
        status = api.get(f"/invoices/{invoice['id']}").json()["paymentStatus"]
    assert status == "PAID"
    assert len([intent for intent in intents_for_invoice(invoice["id"]) if intent.status == "succeeded"]) == 1


def _successful_intents(invoice_id: str) -> list[Any]:
    return [intent for intent in intents_for_invoice(invoice_id) if intent.status == "succeeded"]


def test_a_stripe_500_is_retried_without_a_second_charge(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN Stripe answers the first charge with a server error, having charged nothing
    original = stripe_gateway.charge
    calls: list[str] = []

    def flaky_charge(*args: Any, **kwargs: Any) -> Any:
        calls.append("charge")
        if len(calls) == 1:
            raise stripe.APIError("Internal server error", http_status=500)
        return original(*args, **kwargs)

    monkeypatch.setattr(stripe_gateway, "charge", flaky_charge)
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN the order is activated (the state machine retries CollectPayment)
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN the invoice is PAID with one successful PaymentIntent in Stripe
    assert calls == ["charge", "charge"]
    assert activation["invoice"]["paymentStatus"] == "PAID"
    assert len(_successful_intents(activation["invoice"]["id"])) == 1


def test_a_timeout_after_stripe_charged_finds_the_charge_instead_of_charging_again(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the answer to the first charge is lost after Stripe charged the card
    original = stripe_gateway.charge
    calls: list[str] = []

    def charge_then_time_out(*args: Any, **kwargs: Any) -> Any:
        calls.append("charge")
        result = original(*args, **kwargs)
        if len(calls) == 1:
            raise stripe.APIConnectionError("timed out reading the response")
        return result

    monkeypatch.setattr(stripe_gateway, "charge", charge_then_time_out)
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN the order is activated
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN the existing PaymentIntent was found by its metadata: one charge, invoice PAID
    assert calls == ["charge"]
    assert activation["invoice"]["paymentStatus"] == "PAID"
    [intent] = _successful_intents(activation["invoice"]["id"])
    assert activation["payment"]["externalId"] == intent.id


def test_a_crash_after_the_charge_before_it_was_stored_charges_once(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the step crashes once right after Stripe charged, before the outcome is stored
    from order_activation.payments import collection

    original = collection.settle
    crashes: list[str] = []

    def crash_once(*args: Any, **kwargs: Any) -> None:
        if not crashes:
            crashes.append("crash")
            raise RuntimeError("the process died")
        original(*args, **kwargs)

    monkeypatch.setattr(collection, "settle", crash_once)
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN the order is activated (the retried step finds the recorded attempt)
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN Stripe holds exactly one successful PaymentIntent and the invoice is PAID
    assert crashes == ["crash"]
    assert activation["status"] == "SUCCEEDED"
    assert activation["invoice"]["paymentStatus"] == "PAID"
    assert len(_successful_intents(activation["invoice"]["id"])) == 1


def test_a_stripe_customer_named_by_the_transaction_hub_pays(api: ApiClient) -> None:
    # GIVEN an existing Stripe customer with a default card
    client = stripe_api()
    existing = client.v1.customers.create(params={"email": "ap@globex.example.com"})
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": existing.id})
    client.v1.customers.update(existing.id, params={"invoice_settings": {"default_payment_method": card.id}})
    order = draft_order(api)
    hub = {"externalSystem": "Stripe", "externalId": existing.id, "transactionType": "order"}

    # WHEN the order is activated through the transaction hub
    activation = activate(api, order["id"], INVOICE_NOW | {"transactionHub": hub}).json()

    # THEN that Stripe customer paid
    assert activation["invoice"]["paymentStatus"] == "PAID"
    [intent] = _successful_intents(activation["invoice"]["id"])
    assert intent.customer == existing.id

    # AND each object of the order is recorded in Stripe
    recorded = {(item["objectType"], item["status"]) for item in activation["transactions"]}
    assert recorded == {("CUSTOMER", "SYNCED"), ("PRODUCT", "SYNCED"), ("INVOICE", "SYNCED"), ("PAYMENT", "SYNCED")}
    assert len(activation["transactions"]) == 5
    assert all(item["externalSystem"] == "Stripe" for item in activation["transactions"])
    payment_record = next(item for item in activation["transactions"] if item["objectType"] == "PAYMENT")
    assert payment_record["externalId"] == intent.id


def test_a_failing_connected_system_never_undoes_the_activation(api: ApiClient) -> None:
    # GIVEN a transaction hub naming a Stripe customer that does not exist
    order = draft_order(api)
    hub = {"externalSystem": "Stripe", "externalId": "cus_missing", "transactionType": "order"}

    # WHEN the order is activated
    activation = activate(api, order["id"], INVOICE_NOW | {"transactionHub": hub}).json()

    # THEN it succeeded, and the customer's sync is recorded as FAILED with a code and message
    assert activation["status"] == "SUCCEEDED"
    customer_record = next(item for item in activation["transactions"] if item["objectType"] == "CUSTOMER")
    assert customer_record["status"] == "FAILED"
    assert customer_record["error"]["code"]
    assert customer_record["error"]["message"]


def test_a_salesforce_hub_is_told_through_the_bus(api: ApiClient, bus_events: Any) -> None:
    # GIVEN an order associated with a Salesforce opportunity
    order = draft_order(api)
    hub = {"externalSystem": "Salesforce", "externalId": "006Dn000004abcd", "transactionType": "Opportunity"}

    # WHEN it is activated
    activation = activate(api, order["id"], {"transactionHub": hub}).json()

    # THEN the customer and each product are recorded against the opportunity
    assert [(item["objectType"], item["status"]) for item in activation["transactions"]] == [
        ("CUSTOMER", "SYNCED"),
        ("PRODUCT", "SYNCED"),
        ("PRODUCT", "SYNCED"),
    ]
    assert {item["externalId"] for item in activation["transactions"]} == {"006Dn000004abcd"}

    # AND the connector was asked on the bus, once per object
    requests_sent = [
        event
        for event in bus_events()
        if event["detail-type"] == "connected_system.sync" and event["detail"]["tenantId"] == api.tenant_id
    ]
    assert len(requests_sent) == 3


def test_a_failure_after_the_charge_refunds_it(api: ApiClient, faults: Any) -> None:
    # GIVEN a paying customer, and CompleteActivation failing every time
    faults.arm("CompleteActivationFunction", "fail_always")
    order = draft_order(api, paymentMethod="pm_card_visa")

    # WHEN the order is activated with an ACTIVE invoice
    activation = activate(api, order["id"], INVOICE_NOW).json()

    # THEN the activation FAILED, its numbered invoice is CANCELED and the charge was refunded
    assert activation["status"] == "FAILED"
    assert activation["error"]["step"] == "CompleteActivation"
    listed = api.get("/invoices", params={"customerId": order["customerId"]}).json()["items"]
    assert [(item["invoiceNumber"], item["status"]) for item in listed] == [("INV-000001", "CANCELED")]
    assert activation["payment"] is None
    [intent] = _successful_intents(listed[0]["id"])
    refunds = stripe_api().v1.refunds.list(params={"limit": 100}).data
    assert [refund.amount for refund in refunds if refund.payment_intent == intent.id] == [235444]
