"""The service's logs, at their most detailed, hold no key, card, e-mail, name or secret."""

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from local_runtime.stripe_stand_in import LOCAL_API_KEY
from order_activation.observability import SERVICE_NAME, logger
from tests.conftest import ApiClient
from tests.e2e.executions import wait_until_ended
from tests.e2e.helpers import activate, draft_order
from tests.e2e.stripe_helpers import intents_for_invoice, payment_intent_event, signed

BUYER = {"name": "Globex Quietly Holdings", "email": "ap.private@globex-quietly.example.com"}
CARD_NUMBER = "4242424242424242"


@pytest.fixture
def service_logs() -> Iterator[io.StringIO]:
    """Every line the service logs, as its JSON formatter writes it, down to DEBUG."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logger.registered_formatter)
    service = logging.getLogger(SERVICE_NAME)
    level = service.level
    service.addHandler(handler)
    service.setLevel(logging.DEBUG)
    yield written
    service.setLevel(level)
    service.removeHandler(handler)


def _deliver(api: ApiClient, payload: str, signature: str) -> Any:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
    return api.session.post(f"{api.url}/webhooks/stripe", data=payload, headers=headers, timeout=30)


def test_an_activation_with_payment_and_webhooks_logs_no_secret(
    stack: Any, api: ApiClient, service_logs: io.StringIO
) -> None:
    # GIVEN a customer with a name, an e-mail and a saved card, and an order linked to a CRM record
    order = draft_order(api, paymentMethod="pm_card_visa", **BUYER)
    hub = {"externalSystem": "Salesforce", "externalId": "006Dn000004abcd", "transactionType": "Opportunity"}

    # WHEN it is activated with an invoice charged at once
    body = {"generateInvoice": True, "activateInvoice": True, "poNumber": "PO-4471", "transactionHub": hub}
    activation = activate(api, order["id"], body).json()
    assert activation["status"] == "SUCCEEDED", activation["error"]
    assert wait_until_ended(activation["activationId"]) == "SUCCEEDED"

    # AND Stripe's signed webhook for the charge arrives, and one forged with a wrong secret
    invoice = activation["invoice"]
    [intent] = intents_for_invoice(invoice["id"])
    metadata = {"tenant_id": api.tenant_id, "order_id": order["id"], "invoice_id": invoice["id"]}
    event = payment_intent_event(f"evt_logs_{intent.id}", "payment_intent.succeeded", intent.id, metadata)
    payload, signature = signed(event, stack.webhook_secret)
    forged_payload, forged_signature = signed(event | {"id": "evt_forged"}, "whsec_forged_secret")
    assert _deliver(api, payload, signature).status_code == 200
    assert _deliver(api, forged_payload, forged_signature).status_code == 400

    # THEN the service logged the activation, the payment and the webhooks
    logged = service_logs.getvalue()
    for message in ("activation started", "payment settled", "stripe event applied", "request refused"):
        assert message in logged
    assert activation["activationId"] in logged

    # AND none of the secrets, card data or personal data appear anywhere in those lines
    secrets = {
        "the API key": str(api.session.headers["x-api-key"]),
        "the saved payment method": "pm_card_visa",
        "the attached payment method": str(intent.payment_method),
        "the card number": CARD_NUMBER,
        "the customer's e-mail": BUYER["email"],
        "the customer's name": BUYER["name"],
        "the webhook secret": stack.webhook_secret,
        "the Stripe API key": LOCAL_API_KEY,
        "Stripe's signature": signature.split("v1=", 1)[1],
    }
    leaked = [what for what, value in secrets.items() if value in logged]
    assert leaked == []
