"""Stripe webhooks: signed events that move an invoice's payment forward, each handled once."""

from typing import Any

import stripe

from order_activation.errors import InvalidSignatureError
from order_activation.models.common import timestamp, utc_now
from order_activation.models.payments import Payment
from order_activation.observability import logger
from order_activation.payments import stripe_gateway
from order_activation.payments.collection import settle
from order_activation.payments.stripe_gateway import Charge
from order_activation.storage.repositories import Invoices, Payments, WebhookEvents

invoices = Invoices()
payments = Payments()
webhook_events = WebhookEvents()

OUTCOMES = {"payment_intent.succeeded": "succeeded", "payment_intent.payment_failed": "failed"}


def handle_stripe_event(payload: str, signature: str | None) -> str:
    """Verifies and applies one Stripe event; answers what was done with it.

    Unknown event types, events about invoices the service does not know, and events
    about CANCELED invoices are ignored. A status never moves backwards: a PAID invoice
    stays PAID.
    """
    try:
        event = stripe_gateway.verified_event(payload, signature)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidSignatureError("the Stripe-Signature header does not match the body") from error

    if event.type not in OUTCOMES:
        return "ignored"
    intent = event.data.object
    metadata = intent.metadata.to_dict() if getattr(intent, "metadata", None) else {}
    tenant_id, invoice_id = metadata.get("tenant_id"), metadata.get("invoice_id")
    invoice = invoices.get(tenant_id, invoice_id) if tenant_id and invoice_id else None
    if invoice is None:
        return "ignored"
    if invoice.status == "CANCELED":
        # A failed activation cancels its numbered invoice and refunds the charge; Stripe's
        # success event for that charge can arrive afterwards and must not bring the payment back.
        logger.info("stripe event for a canceled invoice ignored", event_type=event.type, invoice_id=invoice.id)
        return "ignored"

    assert tenant_id is not None
    if not webhook_events.claim(tenant_id, event.id):
        return "duplicate"
    try:
        _apply(tenant_id, invoice.id, intent, OUTCOMES[event.type])
    except Exception:
        webhook_events.release(tenant_id, event.id)
        raise

    logger.info("stripe event applied", event_type=event.type, invoice_id=invoice.id)
    return "applied"


def _apply(tenant_id: str, invoice_id: str, intent: Any, outcome: str) -> None:
    invoice = invoices.get(tenant_id, invoice_id)
    assert invoice is not None
    if payments.get(tenant_id, invoice_id) is None:
        attempt = Payment(
            status="PROCESSING",
            amount=invoice.amount_due,
            currency=invoice.currency,
            invoice_id=invoice_id,
            stripe_customer_id=str(getattr(intent, "customer", "") or ""),
            updated_at=timestamp(utc_now()),
        )
        payments.record_attempt(tenant_id, attempt)

    error = getattr(intent, "last_payment_error", None)
    message = getattr(error, "message", None) if error else None
    if outcome == "failed" and not message:
        message = "the payment failed"
    settle(tenant_id, invoice, Charge(str(intent.id), outcome, message))
