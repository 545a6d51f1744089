"""Collecting an invoice's amount due from the payer's saved payment method.

The attempt is stored before Stripe is called and the charge carries an
idempotency key derived from the invoice. If the outcome is unknown, the
customer's PaymentIntents are searched by the invoice's metadata before any new
charge, so a retried step never charges twice, whatever Stripe does with keys.
"""

from dataclasses import dataclass

import stripe

from order_activation import events_out
from order_activation.models.activations import TransactionHubLink
from order_activation.models.common import timestamp, utc_now
from order_activation.models.customers import Customer
from order_activation.models.invoices import Invoice
from order_activation.models.payments import Payment
from order_activation.observability import logger
from order_activation.payments import stripe_gateway
from order_activation.payments.stripe_gateway import Charge
from order_activation.storage.repositories import Customers, Invoices, Payments

customers = Customers()
invoices = Invoices()
payments = Payments()

UNKNOWN_OUTCOME_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


class PaymentOutcomeUnknownError(Exception):
    """Stripe did not answer and no PaymentIntent exists yet; the step is retried."""


@dataclass(frozen=True)
class Payer:
    stripe_customer_id: str
    payment_method: str | None


def payer_for(tenant_id: str, customer: Customer, hub: TransactionHubLink | None) -> Payer | None:
    """Who pays: a Stripe customer named by the transaction hub, else the customer's saved method."""
    if hub is not None and hub.external_system == "Stripe":
        try:
            return Payer(hub.external_id, stripe_gateway.default_payment_method(hub.external_id))
        except stripe.InvalidRequestError:
            logger.info("transaction hub names no Stripe customer")
            return None

    if customer.stripe_customer_id and customer.stripe_payment_method:
        return Payer(customer.stripe_customer_id, customer.stripe_payment_method)

    if customer.payment_method:
        stripe_customer_id = customer.stripe_customer_id or stripe_gateway.create_customer(
            tenant_id, customer.id, customer.name, customer.email
        )
        attached = stripe_gateway.attach_payment_method(customer.payment_method, stripe_customer_id)
        customers.link_stripe(tenant_id, customer.id, stripe_customer_id, attached)
        return Payer(stripe_customer_id, attached)

    if customer.stripe_customer_id:
        return Payer(customer.stripe_customer_id, stripe_gateway.default_payment_method(customer.stripe_customer_id))
    return None


def offer_payment_link(tenant_id: str, invoice: Invoice) -> Invoice:
    """Gives an ACTIVE invoice with an amount due its Stripe-hosted payment page, once."""
    if invoice.status != "ACTIVE" or invoice.amount_due <= 0 or invoice.payment_url:
        return invoice

    metadata = stripe_gateway.payment_metadata(tenant_id, invoice.order_id, invoice.id)
    description = f"Invoice {invoice.invoice_number}"
    url = stripe_gateway.payment_link(invoice.amount_due, invoice.currency, description, metadata)
    invoices.set_payment_url(tenant_id, invoice.id, url)
    return invoice.model_copy(update={"payment_url": url})


def collect_payment(tenant_id: str, invoice: Invoice, customer: Customer, hub: TransactionHubLink | None) -> None:
    """Charges the payer's saved payment method for an ACTIVE invoice with an amount due."""
    if invoice.status != "ACTIVE" or invoice.amount_due <= 0:
        return

    metadata = stripe_gateway.payment_metadata(tenant_id, invoice.order_id, invoice.id)
    payer = payer_for(tenant_id, customer, hub)
    if payer is None or payer.payment_method is None:
        logger.info("no saved payment method", invoice_id=invoice.id)
        return

    existing = payments.get(tenant_id, invoice.id)
    if existing is not None and existing.status != "PROCESSING":
        return

    if existing is None:
        attempt = Payment(
            status="PROCESSING",
            amount=invoice.amount_due,
            currency=invoice.currency,
            invoice_id=invoice.id,
            stripe_customer_id=payer.stripe_customer_id,
            updated_at=timestamp(utc_now()),
        )
        payments.record_attempt(tenant_id, attempt)
        outcome = _charge_or_find(invoice, payer, metadata)
    else:
        found = stripe_gateway.find_charge(payer.stripe_customer_id, metadata)
        outcome = found or _charge_or_find(invoice, payer, metadata)

    settle(tenant_id, invoice, outcome)


def _charge_or_find(invoice: Invoice, payer: Payer, metadata: dict[str, str]) -> Charge:
    assert payer.payment_method is not None
    try:
        return stripe_gateway.charge(
            invoice.amount_due,
            invoice.currency,
            payer.stripe_customer_id,
            payer.payment_method,
            metadata,
            idempotency_key=f"charge-{metadata['tenant_id']}-{invoice.id}",
        )
    except UNKNOWN_OUTCOME_ERRORS as error:
        found = stripe_gateway.find_charge(payer.stripe_customer_id, metadata)
        if found is not None:
            return found
        raise PaymentOutcomeUnknownError(f"the charge of invoice {invoice.id} has no known outcome") from error


def settle(tenant_id: str, invoice: Invoice, outcome: Charge) -> None:
    """Records what Stripe answered on the payment and the invoice, and announces a change."""
    now = timestamp(utc_now())
    if outcome.status == "succeeded":
        payments.settle(tenant_id, invoice.id, "SUCCEEDED", outcome.payment_intent_id, None, now)
        if invoices.settle(tenant_id, invoice.id, "PAID"):
            _announce("invoice.paid", tenant_id, invoice, outcome)
    elif outcome.status == "failed":
        payments.settle(tenant_id, invoice.id, "FAILED", outcome.payment_intent_id, outcome.failure_message, now)
        if invoices.settle(tenant_id, invoice.id, "FAILED"):
            _announce("payment.failed", tenant_id, invoice, outcome)
    else:
        payments.settle(tenant_id, invoice.id, "PROCESSING", outcome.payment_intent_id, None, now)
    logger.info("payment settled", invoice_id=invoice.id, outcome=outcome.status)


def _announce(detail_type: str, tenant_id: str, invoice: Invoice, outcome: Charge) -> None:
    events_out.publish(
        detail_type,
        tenant_id,
        {
            "invoiceId": invoice.id,
            "invoiceNumber": invoice.invoice_number,
            "orderId": invoice.order_id,
            "amount": str(invoice.amount_due),
            "currency": invoice.currency,
            "paymentIntentId": outcome.payment_intent_id,
            "failureMessage": outcome.failure_message,
        },
    )
