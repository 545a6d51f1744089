"""The Stripe adapter: documented Stripe API calls through the official SDK, nothing else.

The API key and webhook secret come from Secrets Manager through Powertools
Parameters (cached for five minutes), never from plain environment variables.
"""

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import stripe
from aws_lambda_powertools.utilities import parameters

from order_activation.pricing.money import to_minor_units

SECRET_CACHE_SECONDS = 300
NETWORK_RETRIES = 2


@dataclass(frozen=True)
class StripeSecrets:
    api_key: str
    webhook_secret: str


def stripe_secrets() -> StripeSecrets:
    secret: Any = parameters.get_secret(
        os.environ["STRIPE_SECRET_NAME"], transform="json", max_age=SECRET_CACHE_SECONDS
    )
    return StripeSecrets(api_key=secret["apiKey"], webhook_secret=secret["webhookSecret"])


def stripe_client() -> stripe.StripeClient:
    """A client for the Stripe API; `STRIPE_API_BASE` points it elsewhere only in the local runtime."""
    return _client_for(stripe_secrets().api_key, os.environ.get("STRIPE_API_BASE"))


@cache
def _client_for(api_key: str, base: str | None) -> stripe.StripeClient:
    """One client per key, so a rotated key gets a new client and the old one is never reused."""
    return stripe.StripeClient(
        api_key, base_addresses={"api": base} if base else None, max_network_retries=NETWORK_RETRIES
    )


@dataclass(frozen=True)
class Charge:
    """What Stripe answered to a charge: the PaymentIntent and why it failed, if it did."""

    payment_intent_id: str | None
    status: str
    failure_message: str | None = None


def payment_metadata(tenant_id: str, order_id: str, invoice_id: str) -> dict[str, str]:
    return {"tenant_id": tenant_id, "order_id": order_id, "invoice_id": invoice_id}


def create_customer(tenant_id: str, customer_id: str, name: str, email: str) -> str:
    client = stripe_client()
    created = client.v1.customers.create(
        params={"name": name, "email": email, "metadata": {"tenant_id": tenant_id, "customer_id": customer_id}},
        options={"idempotency_key": f"customer-{tenant_id}-{customer_id}"},
    )
    return str(created.id)


def attach_payment_method(payment_method: str, stripe_customer_id: str) -> str:
    """Attaches a saved payment method to the Stripe customer; answers the attached method's id."""
    attached = stripe_client().v1.payment_methods.attach(payment_method, params={"customer": stripe_customer_id})
    return str(attached.id)


def default_payment_method(stripe_customer_id: str) -> str | None:
    """The card an existing Stripe customer pays with: its invoice default, else its first card."""
    client = stripe_client()
    customer = client.v1.customers.retrieve(stripe_customer_id)
    settings = getattr(customer, "invoice_settings", None)
    default = getattr(settings, "default_payment_method", None) if settings else None
    if default:
        return str(default if isinstance(default, str) else default.id)

    methods = client.v1.payment_methods.list(params={"customer": stripe_customer_id, "type": "card", "limit": 1})
    return str(methods.data[0].id) if methods.data else None


def charge(
    amount: Decimal,
    currency: str,
    stripe_customer_id: str,
    payment_method: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Charge:
    """Charges the saved payment method off session; a decline is an answer, not an error."""
    try:
        intent = stripe_client().v1.payment_intents.create(
            params={
                "amount": to_minor_units(amount, currency),
                "currency": currency.lower(),
                "customer": stripe_customer_id,
                "payment_method": payment_method,
                "confirm": True,
                "off_session": True,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as error:
        intent_id = _intent_of(error)
        return Charge(intent_id, "failed", error.user_message or "the card was declined")
    return Charge(str(intent.id), str(intent.status))


def _intent_of(error: stripe.CardError) -> str | None:
    body: dict[str, Any] = error.json_body if isinstance(error.json_body, dict) else {}
    intent = (body.get("error") or {}).get("payment_intent") or {}
    return intent.get("id") if isinstance(intent, dict) else None


def find_charge(stripe_customer_id: str, metadata: dict[str, str]) -> Charge | None:
    """The customer's PaymentIntent carrying this metadata, if one exists.

    Used when the outcome of a charge is unknown, before ever charging again.
    """
    intents = stripe_client().v1.payment_intents.list(params={"customer": stripe_customer_id, "limit": 100})
    for intent in intents.auto_paging_iter():
        stored = intent.metadata.to_dict() if intent.metadata else {}
        if all(stored.get(key) == value for key, value in metadata.items()):
            error = getattr(intent, "last_payment_error", None)
            message = getattr(error, "message", None) if error else None
            status = "failed" if intent.status == "requires_payment_method" and error else str(intent.status)
            return Charge(str(intent.id), status, message)
    return None


def refund(payment_intent_id: str, idempotency_key: str) -> None:
    """Refunds a charge in full; a charge already refunded is left as it is."""
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(payment_intent_id)
    if intent.status != "succeeded":
        return
    try:
        client.v1.refunds.create(
            params={"payment_intent": payment_intent_id}, options={"idempotency_key": idempotency_key}
        )
    except stripe.InvalidRequestError as error:
        if error.code != "charge_already_refunded":
            raise


def payment_link(amount: Decimal, currency: str, description: str, metadata: dict[str, str]) -> str:
    """A Stripe-hosted page where the customer can pay the amount due."""
    client = stripe_client()
    idempotency = f"link-{metadata['tenant_id']}-{metadata['invoice_id']}"
    price = client.v1.prices.create(
        params={
            "currency": currency.lower(),
            "unit_amount": to_minor_units(amount, currency),
            "product_data": {"name": description},
        },
        options={"idempotency_key": f"{idempotency}-price"},
    )
    link = client.v1.payment_links.create(
        params={
            "line_items": [{"price": str(price.id), "quantity": 1}],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        },
        options={"idempotency_key": idempotency},
    )
    return str(link.url)


def verified_event(payload: str, signature: str | None) -> Any:
    """The webhook event, if `signature` proves Stripe sent this exact body within 300 seconds."""
    return stripe.Webhook.construct_event(payload, signature, stripe_secrets().webhook_secret, tolerance=300)
