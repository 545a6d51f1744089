"""Faults in every step of ActivateOrder, for an order invoiced and charged to a saved card.

A fault the state machine retries leaves exactly one of everything; a fault it cannot
get past undoes the order's records, cancels a numbered invoice, refunds a charge, and
leaves the order ready to be activated again.
"""

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from order_activation.invoices import invoice_id_for
from tests.conftest import ApiClient
from tests.e2e.executions import wait_for_executions_since, wait_until_ended
from tests.e2e.helpers import activate, draft_order, lagging_activation_index
from tests.e2e.stripe_helpers import intents_for_invoice, payment_intent_event, signed, stripe_api

INVOICE_AND_CHARGE = {"generateInvoice": True, "activateInvoice": True}
CHARGED_CENTS = 235444

STEPS = (
    "LockOrder",
    "FinalizePricing",
    "ApplySubscriptions",
    "GrantAssetsAndEntitlements",
    "CreateInvoice",
    "ActivateInvoice",
    "RenderInvoicePdf",
    "CollectPayment",
    "SyncConnectedSystems",
    "CompleteActivation",
)
UNDONE_STEPS = tuple(step for step in STEPS if step != "SyncConnectedSystems")

# What a failed activation leaves, by the step that failed. An injected failure stops the
# step before its handler runs: the invoice is numbered once ActivateInvoice has run, its
# PDF written once RenderInvoicePdf has run, and the card charged once CollectPayment has run.
NUMBERED_BEFORE = ("RenderInvoicePdf", "CollectPayment", "CompleteActivation")
PDF_BEFORE = ("CollectPayment", "CompleteActivation")
CHARGED_BEFORE = ("CompleteActivation",)


@pytest.fixture(autouse=True)
def _executions_end(faults: Any) -> Iterator[None]:
    """A retry can outlive the answer to the request; none may run into the next test's faults."""
    started = datetime.now(UTC) - timedelta(seconds=1)
    yield
    wait_for_executions_since(started)


def _function(step: str) -> str:
    return f"{step}Function"


def _paying_order(api: ApiClient) -> dict[str, Any]:
    """25 seats and an onboarding package, invoiced at 2354.44 USD to a saved Visa card."""
    return draft_order(api, paymentMethod="pm_card_visa")


def _activate(api: ApiClient, order_id: str, wait: int = 20, **options: Any) -> dict[str, Any]:
    """Activates with an invoice charged at once; answers the activation once its execution ended."""
    answer = activate(api, order_id, INVOICE_AND_CHARGE | options, wait=wait).json()
    wait_until_ended(answer["activationId"])
    return dict(api.get(f"/activations/{answer['activationId']}").json())


def _records(api: ApiClient, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    return {
        kind: api.get(f"/customers/{customer_id}/{kind}").json()["items"]
        for kind in ("subscriptions", "assets", "entitlements")
    }


def _invoices(api: ApiClient, customer_id: str) -> list[tuple[str | None, str]]:
    items = api.get("/invoices", params={"customerId": customer_id}).json()["items"]
    return [(item["invoiceNumber"], item["status"]) for item in items]


def _stored_pdfs(tenant_id: str, invoice_id: str) -> list[str]:
    listing = boto3.client("s3").list_object_versions(
        Bucket=os.environ["INVOICE_BUCKET"], Prefix=f"{tenant_id}/invoices/{invoice_id}/"
    )
    return [version["Key"].rsplit("/", 1)[1] for version in listing.get("Versions", [])]


def _refunded_cents(payment_intent_id: str) -> list[int]:
    refunds = stripe_api().v1.refunds.list(params={"limit": 100}).data
    return [refund.amount for refund in refunds if refund.payment_intent == payment_intent_id]


def _published(bus_events: Any, api: ApiClient) -> dict[str, list[str]]:
    """The tenant's events by kind, each copy as its detail in JSON."""
    published: dict[str, list[str]] = {}
    for event in bus_events():
        if event["detail"]["tenantId"] == api.tenant_id:
            copy = json.dumps(event["detail"], sort_keys=True)
            published.setdefault(event["detail-type"], []).append(copy)
    return published


def _assert_activated_once(api: ApiClient, order: dict[str, Any], activation: dict[str, Any]) -> None:
    """One subscription, one asset, three entitlements, a PAID invoice with one PDF, one charge."""
    assert activation["status"] == "SUCCEEDED", activation["error"]
    assert api.get(f"/orders/{order['id']}").json()["status"] == "ACTIVATED"

    records = _records(api, order["customerId"])
    assert [item["quantity"] for item in records["subscriptions"]] == [25]
    assert [item["quantity"] for item in records["assets"]] == [1]
    features = sorted(item["feature"] for item in records["entitlements"])
    assert features == ["onboarding-workshop", "seats", "sso"]

    invoice = api.get(f"/invoices/{activation['invoice']['id']}").json()
    assert (invoice["status"], invoice["paymentStatus"]) == ("ACTIVE", "PAID")
    assert _stored_pdfs(api.tenant_id, invoice["id"]) == [f"{invoice['invoiceNumber']}.pdf"]

    [intent] = intents_for_invoice(invoice["id"])
    assert (intent.id, intent.status, intent.amount) == (
        activation["payment"]["externalId"],
        "succeeded",
        CHARGED_CENTS,
    )
    assert _refunded_cents(intent.id) == []


@pytest.mark.parametrize("step", STEPS)
def test_a_lost_answer_in_any_step_still_activates_once(
    api: ApiClient, faults: Any, bus_events: Any, step: str
) -> None:
    # GIVEN the step's first answer is lost after its work was done
    faults.arm(_function(step), "lost_response_once")
    order = _paying_order(api)

    # WHEN the order is activated with an invoice charged at once
    activation = _activate(api, order["id"])

    # THEN the step ran again, and the activation made everything exactly once, using up no number
    assert faults.triggered == {_function(step): 1}
    _assert_activated_once(api, order, activation)
    assert _invoices(api, order["customerId"]) == [("INV-000001", "ACTIVE")]
    assert [item["subscriptionNumber"] for item in activation["subscriptions"]] == ["SUB-000001"]
    assert [item["assetNumber"] for item in activation["assets"]] == ["AST-000001"]

    # AND each outcome reached the bus; a step that ran again may announce again, with the same detail
    published = _published(bus_events, api)
    assert sorted(published) == ["invoice.activated", "invoice.paid", "order.activated"]
    assert all(len(set(copies)) == 1 for copies in published.values())
    assert len(published["invoice.paid"]) == 1


def test_a_service_error_in_every_step_at_once_is_retried_by_each(api: ApiClient, faults: Any) -> None:
    # GIVEN every step's first invocation fails as a Lambda service error
    for step in STEPS:
        faults.arm(_function(step), "error_once")
    order = _paying_order(api)

    # WHEN the order is activated with an invoice charged at once
    activation = _activate(api, order["id"], wait=25)

    # THEN each step was retried once, and the activation made everything exactly once
    assert faults.triggered == {_function(step): 1 for step in STEPS}
    _assert_activated_once(api, order, activation)


def _assert_nothing_left(
    api: ApiClient, order: dict[str, Any], activation: dict[str, Any], step: str, webhook_secret: str
) -> None:
    """The activation FAILED in `step`: no record of the order, no live invoice, no charge kept."""
    assert activation["status"] == "FAILED"
    assert activation["error"]["step"] == step
    assert api.get(f"/orders/{order['id']}").json()["status"] == "ACTIVATION_FAILED"
    assert activation["subscriptions"] == activation["assets"] == activation["entitlements"] == []
    assert _records(api, order["customerId"]) == {"subscriptions": [], "assets": [], "entitlements": []}
    assert activation["payment"] is None

    # a numbered invoice is kept CANCELED, so numbers stay gapless; a DRAFT one is deleted
    invoice_id = invoice_id_for(activation["activationId"])
    numbered = step in NUMBERED_BEFORE
    assert _invoices(api, order["customerId"]) == ([("INV-000001", "CANCELED")] if numbered else [])
    assert _stored_pdfs(api.tenant_id, invoice_id) == (["INV-000001.pdf"] if step in PDF_BEFORE else [])

    # a charge made before the failure is refunded in full; otherwise nothing was charged
    intents = intents_for_invoice(invoice_id)
    if step not in CHARGED_BEFORE:
        assert intents == []
        return
    [intent] = intents
    assert (intent.status, intent.amount) == ("succeeded", CHARGED_CENTS)
    assert _refunded_cents(intent.id) == [CHARGED_CENTS]

    # AND Stripe's success event for that charge, arriving after the refund, brings no payment back
    metadata = {"tenant_id": api.tenant_id, "order_id": order["id"], "invoice_id": invoice_id}
    event = payment_intent_event(f"evt_late_{intent.id}", "payment_intent.succeeded", intent.id, metadata)
    payload, signature = signed(event, webhook_secret)
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
    late = api.session.post(f"{api.url}/webhooks/stripe", data=payload, headers=headers, timeout=30)
    assert (late.status_code, late.json()["outcome"]) == (200, "ignored")
    again = api.get(f"/activations/{activation['activationId']}").json()
    assert again["payment"] is None
    assert again["invoice"]["status"] == "CANCELED"


def _assert_activates_again(api: ApiClient, order: dict[str, Any], failed: dict[str, Any], step: str) -> None:
    """Activated again, the order gets everything once, and the invoice the next gapless number."""
    retried = _activate(api, order["id"])

    assert retried["activationId"] != failed["activationId"]
    _assert_activated_once(api, order, retried)
    listed = _invoices(api, order["customerId"])
    if step in NUMBERED_BEFORE:
        assert listed == [("INV-000002", "ACTIVE"), ("INV-000001", "CANCELED")]
    else:
        assert listed == [("INV-000001", "ACTIVE")]


@pytest.mark.parametrize("step", UNDONE_STEPS)
def test_a_step_that_always_fails_undoes_the_activation(
    stack: Any, api: ApiClient, faults: Any, bus_events: Any, step: str
) -> None:
    # GIVEN the step fails every time it runs
    faults.arm(_function(step), "fail_always")
    order = _paying_order(api)

    # WHEN the order is activated with an invoice charged at once
    failed = _activate(api, order["id"])

    # THEN the activation FAILED in that step, without its internals, and nothing of the order is live
    assert failed["error"]["code"] == "internal_error"
    _assert_nothing_left(api, order, failed, step, stack.webhook_secret)

    # AND the failure, not a success, reached the bus
    published = _published(bus_events, api)
    assert "order.activated" not in published
    assert len(published["activation.failed"]) == 1

    # AND once the fault is gone the order activates again
    faults.clear()
    _assert_activates_again(api, order, failed, step)


def test_an_undo_removes_records_its_index_does_not_show_yet(
    stack: Any, api: ApiClient, faults: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an index of records by activation that lags behind, as a DynamoDB index may,
    # and an invoice step that always fails after the subscription, asset and entitlements were written
    lagging_activation_index(monkeypatch)
    faults.arm(_function("CreateInvoice"), "fail_always")
    order = _paying_order(api)

    # WHEN the order is activated
    failed = _activate(api, order["id"])

    # THEN the undo still found every record by its key: nothing of the order is live
    _assert_nothing_left(api, order, failed, "CreateInvoice", stack.webhook_secret)


def test_a_step_that_always_times_out_is_retried_then_undone(stack: Any, api: ApiClient, faults: Any) -> None:
    # GIVEN CompleteActivation runs out of time on every attempt, after the card was charged
    faults.arm("CompleteActivationFunction", "timeout_always")
    order = _paying_order(api)

    # WHEN the order is activated with an invoice charged at once
    failed = _activate(api, order["id"], wait=25)

    # THEN the timeout was retried three times, then the activation FAILED and the charge was refunded
    assert faults.triggered == {"CompleteActivationFunction": 4}
    _assert_nothing_left(api, order, failed, "CompleteActivation", stack.webhook_secret)

    # AND once the fault is gone the order activates again, with the next invoice number
    faults.clear()
    _assert_activates_again(api, order, failed, "CompleteActivation")


def test_a_connected_system_that_always_fails_never_undoes_the_activation(api: ApiClient, faults: Any) -> None:
    # GIVEN an order linked to a Salesforce opportunity, and SyncConnectedSystems failing every time
    faults.arm("SyncConnectedSystemsFunction", "fail_always")
    order = _paying_order(api)
    hub = {"externalSystem": "Salesforce", "externalId": "006Dn000004abcd", "transactionType": "Opportunity"}

    # WHEN the order is activated with an invoice charged at once
    activation = _activate(api, order["id"], transactionHub=hub)

    # THEN the state machine caught the failure: the activation SUCCEEDED with everything made once
    assert faults.triggered == {"SyncConnectedSystemsFunction": 1}
    _assert_activated_once(api, order, activation)
    assert activation["error"] is None

    # AND no transaction was recorded for the connected system
    assert activation["transactions"] == []


def test_an_undo_whose_answer_is_lost_runs_again_and_refunds_once(stack: Any, api: ApiClient, faults: Any) -> None:
    # GIVEN CompleteActivation always fails after the charge, and FailActivation's first answer is lost
    faults.arm("CompleteActivationFunction", "fail_always")
    faults.arm("FailActivationFunction", "lost_response_once")
    order = _paying_order(api)

    # WHEN the order is activated with an invoice charged at once
    failed = _activate(api, order["id"])

    # THEN the undo ran twice, with the outcome of one: one refund, one CANCELED invoice, no record left
    assert faults.triggered == {"CompleteActivationFunction": 1, "FailActivationFunction": 1}
    _assert_nothing_left(api, order, failed, "CompleteActivation", stack.webhook_secret)
