"""`POST /webhooks/stripe`: only Stripe's signature counts, each event once, never backwards."""

import threading
import time
from typing import Any

import pytest

from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order
from tests.e2e.stripe_helpers import payment_intent_event, signed

SECRET = "whsec_local"


@pytest.fixture
def unpaid_invoice(api: ApiClient) -> dict[str, Any]:
    """An ACTIVE invoice waiting for payment (no saved card)."""
    order = draft_order(api)
    activation = activate(api, order["id"], {"generateInvoice": True, "activateInvoice": True}).json()
    return dict(activation["invoice"])


def _metadata(api: ApiClient, invoice: dict[str, Any]) -> dict[str, str]:
    return {"tenant_id": api.tenant_id, "order_id": invoice["orderId"], "invoice_id": invoice["id"]}


def _deliver(api: ApiClient, payload: str, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return api.session.post(f"{api.url}/webhooks/stripe", data=payload, headers=headers, timeout=30)


def _payment_status(api: ApiClient, invoice: dict[str, Any]) -> str:
    return str(api.get(f"/invoices/{invoice['id']}").json()["paymentStatus"])


def test_a_signed_success_marks_the_invoice_paid(api: ApiClient, unpaid_invoice: dict[str, Any]) -> None:
    # GIVEN Stripe's signed payment_intent.succeeded for the invoice
    event = payment_intent_event("evt_ok_1", "payment_intent.succeeded", "pi_link_1", _metadata(api, unpaid_invoice))
    payload, signature = signed(event, SECRET)

    # WHEN it is delivered, without an API key
    response = _deliver(api, payload, signature)

    # THEN it is applied and the invoice is PAID
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "outcome": "applied"}
    assert _payment_status(api, unpaid_invoice) == "PAID"


@pytest.mark.parametrize(
    "tamper",
    ["one byte changed", "wrong secret", "missing header", "malformed header", "stale timestamp"],
)
def test_anything_but_a_valid_signature_is_400_and_changes_nothing(
    api: ApiClient, unpaid_invoice: dict[str, Any], tamper: str
) -> None:
    # GIVEN a success event for the invoice, spoiled in one way
    event = payment_intent_event("evt_bad_1", "payment_intent.succeeded", "pi_bad", _metadata(api, unpaid_invoice))
    payload, signature = signed(event, SECRET)
    header: str | None = signature
    if tamper == "one byte changed":
        payload = payload.replace("pi_bad", "pi_bae")
    elif tamper == "wrong secret":
        payload, header = signed(event, "whsec_someone_else")
    elif tamper == "missing header":
        header = None
    elif tamper == "malformed header":
        header = "v1=nonsense"
    elif tamper == "stale timestamp":
        payload, header = signed(event, SECRET, at=int(time.time()) - 301)

    # WHEN it is delivered
    response = _deliver(api, payload, header)

    # THEN it is refused with invalid_signature and the invoice is still unpaid
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _payment_status(api, unpaid_invoice) == "UNPAID"


def test_the_same_event_twice_at_once_is_applied_once(
    api: ApiClient, unpaid_invoice: dict[str, Any], bus_events: Any
) -> None:
    # GIVEN one signed event, delivered twice at the same moment
    event = payment_intent_event("evt_twice", "payment_intent.succeeded", "pi_twice", _metadata(api, unpaid_invoice))
    payload, signature = signed(event, SECRET)
    outcomes: list[str] = []

    def deliver() -> None:
        outcomes.append(_deliver(api, payload, signature).json()["outcome"])

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN one delivery applied it, the other was a duplicate, and invoice.paid went out once
    assert sorted(outcomes) == ["applied", "duplicate"]
    assert _payment_status(api, unpaid_invoice) == "PAID"
    paid = [
        event
        for event in bus_events()
        if event["detail-type"] == "invoice.paid" and event["detail"]["invoiceId"] == unpaid_invoice["id"]
    ]
    assert len(paid) == 1


def test_a_failure_after_a_success_does_not_move_paid_back(api: ApiClient, unpaid_invoice: dict[str, Any]) -> None:
    # GIVEN the invoice was paid
    metadata = _metadata(api, unpaid_invoice)
    _deliver(api, *signed(payment_intent_event("evt_s", "payment_intent.succeeded", "pi_1", metadata), SECRET))

    # WHEN a payment_failed arrives after it
    late = signed(payment_intent_event("evt_f", "payment_intent.payment_failed", "pi_2", metadata), SECRET)
    response = _deliver(api, *late)

    # THEN it is accepted but the invoice stays PAID
    assert response.status_code == 200
    assert _payment_status(api, unpaid_invoice) == "PAID"


def test_a_failure_marks_an_unpaid_invoice_failed(api: ApiClient, unpaid_invoice: dict[str, Any]) -> None:
    event = payment_intent_event("evt_f2", "payment_intent.payment_failed", "pi_3", _metadata(api, unpaid_invoice))

    response = _deliver(api, *signed(event, SECRET))

    assert response.json()["outcome"] == "applied"
    assert _payment_status(api, unpaid_invoice) == "FAILED"


def test_unknown_types_and_unknown_invoices_are_ignored(api: ApiClient, unpaid_invoice: dict[str, Any]) -> None:
    # GIVEN an event type the service does not handle, and a success for an invoice it does not know
    other_type = payment_intent_event("evt_u1", "customer.created", "pi_4", _metadata(api, unpaid_invoice))
    unknown = payment_intent_event(
        "evt_u2", "payment_intent.succeeded", "pi_5", _metadata(api, unpaid_invoice) | {"invoice_id": "inv_nobody"}
    )

    # WHEN they are delivered
    answers = [_deliver(api, *signed(event, SECRET)) for event in (other_type, unknown)]

    # THEN both are 200 and ignored, and nothing changed
    assert [(answer.status_code, answer.json()["outcome"]) for answer in answers] == [(200, "ignored")] * 2
    assert _payment_status(api, unpaid_invoice) == "UNPAID"


def test_an_event_that_fails_while_applied_is_applied_when_stripe_sends_it_again(
    api: ApiClient, unpaid_invoice: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN settling the payment fails once, as a storage outage would
    from order_activation.payments import webhooks

    settle = webhooks.settle
    failures = []

    def settle_failing_once(*arguments: Any) -> None:
        if not failures:
            failures.append("settle")
            raise ConnectionError("storage unavailable")
        settle(*arguments)

    monkeypatch.setattr(webhooks, "settle", settle_failing_once)
    event = payment_intent_event("evt_retry", "payment_intent.succeeded", "pi_retry", _metadata(api, unpaid_invoice))
    payload, signature = signed(event, SECRET)

    # WHEN Stripe delivers the event, gets an error, and delivers it again
    first = _deliver(api, payload, signature)
    second = _deliver(api, payload, signature)

    # THEN the first delivery failed without claiming the event, so the second applied it
    assert first.status_code == 500
    assert first.json()["error"]["code"] == "internal_error"
    assert second.status_code == 200, second.text
    assert second.json() == {"received": True, "outcome": "applied"}
    assert _payment_status(api, unpaid_invoice) == "PAID"
