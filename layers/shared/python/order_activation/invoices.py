"""Invoices of activated orders: their lines, gapless numbers and PDF."""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from order_activation import events_out
from order_activation.errors import InvalidStateError, NotFoundError
from order_activation.models.catalog import Product
from order_activation.models.common import Page, timestamp, utc_now
from order_activation.models.customers import Customer
from order_activation.models.invoices import Invoice, InvoiceLine, PaymentStatus
from order_activation.models.orders import Order, OrderLine
from order_activation.observability import logger
from order_activation.pricing.calendar import billing_period
from order_activation.pricing.money import round_money
from order_activation.settings import settings
from order_activation.storage import documents
from order_activation.storage.dynamo import TransactionConflictError, derived_id, transact
from order_activation.storage.repositories import (
    Counters,
    CustomerCredit,
    Customers,
    Invoices,
    NumberingLease,
    Orders,
    Payments,
)

invoices = Invoices()
counters = Counters()
customers = Customers()
orders = Orders()
payments = Payments()
credit = CustomerCredit()

NUMBERING_SECONDS = 25
LEASE_SECONDS = 10


def invoice_id_for(activation_id: str) -> str:
    """The id of an activation's invoice, the same on every retry of its steps."""
    return derived_id("inv", activation_id)


def first_invoice_lines(order: Order, catalog: dict[str, Product]) -> list[InvoiceLine]:
    """The first invoice of a new order: each recurring line's first billing period in
    advance, and every ONE_TIME line whole.

    A term shorter than one billing period is billed whole on the first invoice.
    """
    return [_first_invoice_line(order, line, catalog[line.product_id]) for line in order.lines]


def _first_invoice_line(order: Order, line: OrderLine, product: Product) -> InvoiceLine:
    description = f"{product.name} ({line.sku})"
    if line.billing_period == "ONE_TIME" or line.end_date is None:
        return InvoiceLine(
            description=description,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.net_amount,
            tax_amount=line.tax_amount,
            period_start=line.start_date,
            period_end=None,
        )

    _, period_end = billing_period(line.start_date, line.billing_period, 0)
    whole_term = period_end >= line.end_date
    amount = line.net_amount if whole_term else line.period_amount
    tax_rate = order.tax_rate if line.price.taxable else Decimal(0)

    return InvoiceLine(
        description=description,
        product_id=line.product_id,
        quantity=line.quantity,
        unit_price=line.unit_price,
        amount=amount,
        tax_amount=round_money(amount * tax_rate, order.currency),
        period_start=line.start_date,
        period_end=min(period_end, line.end_date),
    )


def change_invoice_lines(order: Order) -> list[InvoiceLine]:
    """A change order's invoice: each change's proration, from its effective date to the period's end."""
    return [
        InvoiceLine(
            description=f"{(line.change_type or 'CHANGE').replace('_', ' ').title()}: {line.sku}",
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.net_amount,
            tax_amount=line.tax_amount,
            period_start=line.start_date,
            period_end=line.prorated_until,
        )
        for line in order.lines
    ]


def apply_credit(tenant_id: str, invoice: Invoice) -> Invoice:
    """A negative invoice becomes the customer's credit; a positive one consumes credit first."""
    if invoice.status != "ACTIVE":
        return invoice

    if invoice.total < 0:
        credit.add(tenant_id, invoice.customer_id, -invoice.total, invoice.id)
        return invoice

    balance = Decimal(str(credit.balance(tenant_id, invoice.customer_id)))
    used = round_money(min(balance, invoice.amount_due), invoice.currency)
    if used <= 0:
        return invoice

    due = invoice.amount_due - used
    if not credit.consume(tenant_id, invoice.customer_id, invoice.id, used, due):
        return invoices.get(tenant_id, invoice.id) or invoice
    logger.info("credit applied", invoice_id=invoice.id, credit_applied=str(used))

    settled: PaymentStatus = invoice.payment_status
    if due == 0 and invoices.settle(tenant_id, invoice.id, "PAID"):
        settled = "PAID"
    return invoice.model_copy(update={"amount_due": due, "credit_applied": used, "payment_status": settled})


def draft_invoice(
    invoice_id: str,
    order: Order,
    activation_id: str,
    lines: list[InvoiceLine],
    issue_date: date,
    po_number: str | None,
    po_date: date | None,
) -> Invoice:
    """A DRAFT invoice whose totals are the sums of its rounded lines."""
    currency = order.currency
    subtotal = round_money(sum((line.amount for line in lines), Decimal(0)), currency)
    tax_total = round_money(sum((line.tax_amount for line in lines), Decimal(0)), currency)
    total = subtotal + tax_total
    starts = [line.period_start for line in lines if line.period_start]
    ends = [line.period_end or line.period_start for line in lines if line.period_end or line.period_start]

    return Invoice(
        id=invoice_id,
        invoice_number=None,
        status="DRAFT",
        payment_status=_payment_status_for(total),
        customer_id=order.customer_id,
        order_id=order.id,
        activation_id=activation_id,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=settings().payment_terms_days),
        period_start=min(starts) if starts else None,
        period_end=max(ends) if ends else None,  # type: ignore[type-var]
        lines=lines,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        amount_due=max(total, round_money(Decimal(0), currency)),
        credit_applied=round_money(Decimal(0), currency),
        currency=currency,
        po_number=po_number,
        po_date=po_date,
        created_at=timestamp(utc_now()),
    )


def _payment_status_for(total: Decimal) -> PaymentStatus:
    return "UNPAID" if total > 0 else "NOT_REQUIRED"


def number_invoice(tenant_id: str, invoice: Invoice) -> tuple[Invoice, bool]:
    """Gives a DRAFT invoice the tenant's next `INV-` number; an ACTIVE one keeps its own.

    Answers the invoice and whether this call numbered it. Numbering takes the
    tenant's numbering lease, and the counter and the invoice then change in one
    transaction, so concurrent activations queue up and no number is skipped or repeated.
    """
    deadline = time.monotonic() + NUMBERING_SECONDS
    pause = 0.01
    current = invoices.get(tenant_id, invoice.id)
    while time.monotonic() < deadline:
        if current is None:
            raise NotFoundError(f"invoice {invoice.id} not found")
        if current.status != "DRAFT":
            return current, False

        lease = NumberingLease(tenant_id, "INVOICE", seconds=LEASE_SECONDS)
        previous = lease.try_acquire(time.time())
        if previous is None:
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, 0.5)
            continue

        numbered = _number_under_lease(tenant_id, current, previous + 1, lease)
        if numbered is not None:
            return numbered, True
        current = invoices.get(tenant_id, invoice.id)

    raise InvalidStateError(f"invoice {invoice.id} could not be numbered; try again")


def _number_under_lease(tenant_id: str, invoice: Invoice, number: int, lease: NumberingLease) -> Invoice | None:
    operations = invoices.numbering(tenant_id, invoice, number, timestamp(utc_now()), lease)
    try:
        transact(operations)
    except TransactionConflictError:
        lease.release()
        return None

    logger.info("invoice numbered", invoice_id=invoice.id, invoice_number=f"INV-{number:06d}")
    return invoice.model_copy(
        update={"status": "ACTIVE", "invoice_number": f"INV-{number:06d}", "activated_at": timestamp(utc_now())}
    )


def announce_activated(tenant_id: str, invoice: Invoice) -> None:
    events_out.publish(
        "invoice.activated",
        tenant_id,
        {
            "invoiceId": invoice.id,
            "invoiceNumber": invoice.invoice_number,
            "orderId": invoice.order_id,
            "total": str(invoice.total),
            "currency": invoice.currency,
        },
    )


def pdf_key(tenant_id: str, invoice: Invoice) -> str:
    """Where the invoice's PDF lives; a DRAFT and its ACTIVE version are two documents."""
    version = invoice.invoice_number or "draft"
    return f"{tenant_id}/invoices/{invoice.id}/{version}.pdf"


def render_and_store_pdf(tenant_id: str, invoice: Invoice) -> str:
    """Renders the invoice once and stores it; a second call writes nothing."""
    from order_activation.invoice_documents import invoice_document
    from order_activation.invoice_pdf import render_invoice_pdf

    key = pdf_key(tenant_id, invoice)
    if invoice.pdf_key != key and not documents.exists(key):
        customer = _customer(tenant_id, invoice.customer_id)
        order = orders.get(tenant_id, invoice.order_id)
        order_number = order.order_number if order else None
        written = documents.put_once(key, render_invoice_pdf(invoice_document(invoice, customer, order_number)))
        logger.info("invoice pdf stored", invoice_id=invoice.id, written=written)

    if invoice.pdf_key != key:
        invoices.set_pdf_key(tenant_id, invoice.id, key)
    return key


def _customer(tenant_id: str, customer_id: str) -> Customer:
    customer = customers.get(tenant_id, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    return customer


def with_links(invoice: Invoice) -> Invoice:
    """The invoice as the API shows it, with a time-limited link to its PDF."""
    if not invoice.pdf_key:
        return invoice
    return invoice.model_copy(update={"pdf_url": documents.link(invoice.pdf_key)})


def get_invoice(tenant_id: str, invoice_id: str) -> Invoice:
    invoice = invoices.get(tenant_id, invoice_id)
    if invoice is None:
        raise NotFoundError(f"invoice {invoice_id} not found")
    return with_links(invoice)


def list_invoices(tenant_id: str, customer_id: str, limit: int, next_token: str | None) -> Page[Invoice]:
    _customer(tenant_id, customer_id)
    items, token = invoices.of_customer(tenant_id, customer_id, limit, next_token)
    return Page[Invoice](items=[with_links(item) for item in items], next_token=token)


def activate_invoice(tenant_id: str, invoice_id: str) -> Invoice:
    """`POST /invoices/{id}/activate`: numbers a DRAFT invoice, renders it and announces it."""
    invoice = invoices.get(tenant_id, invoice_id)
    if invoice is None:
        raise NotFoundError(f"invoice {invoice_id} not found")
    if invoice.status != "DRAFT":
        raise InvalidStateError(f"invoice {invoice_id} is {invoice.status}; only a DRAFT can be activated")

    numbered, numbered_now = number_invoice(tenant_id, invoice)
    if not numbered_now:
        raise InvalidStateError(f"invoice {invoice_id} was activated by another request")

    from order_activation.payments.collection import offer_payment_link

    numbered = offer_payment_link(tenant_id, apply_credit(tenant_id, numbered))
    key = render_and_store_pdf(tenant_id, numbered)
    announce_activated(tenant_id, numbered)
    return with_links(numbered.model_copy(update={"pdf_key": key}))


def pdf_link(tenant_id: str, invoice_id: str) -> str:
    """A time-limited link to the invoice's PDF, rendering it first if it is missing."""
    invoice = invoices.get(tenant_id, invoice_id)
    if invoice is None:
        raise NotFoundError(f"invoice {invoice_id} not found")
    key = render_and_store_pdf(tenant_id, invoice)
    return documents.link(key)


def refund_payment(tenant_id: str, invoice: Invoice) -> None:
    """Gives back a charge the invoice collected, then forgets the payment."""
    from order_activation.payments import stripe_gateway

    payment = payments.get(tenant_id, invoice.id)
    if payment is None:
        return
    if payment.external_id and payment.status in ("SUCCEEDED", "PROCESSING"):
        stripe_gateway.refund(payment.external_id, idempotency_key=f"refund-{tenant_id}-{invoice.id}")
        logger.info("payment refunded", invoice_id=invoice.id)
    payments.delete(tenant_id, invoice.id)


def discard_for_failed_activation(tenant_id: str, activation_id: str) -> None:
    """Removes the invoice a failed activation made.

    A DRAFT is deleted with its PDF; a numbered invoice is CANCELED instead, so the
    tenant's invoice numbers stay gapless.
    """
    invoice = invoices.get(tenant_id, invoice_id_for(activation_id))
    if invoice is None:
        return

    refund_payment(tenant_id, invoice)
    if invoice.invoice_number is None:
        documents.delete_everywhere(f"{tenant_id}/invoices/{invoice.id}/")
        invoices.delete(tenant_id, invoice.id)
    else:
        invoices.cancel(tenant_id, invoice.id)
    logger.info("invoice discarded", invoice_id=invoice.id, numbered=invoice.invoice_number is not None)
