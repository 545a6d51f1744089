"""Invoices: what a customer is asked to pay, line by line, and how the payment stands."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from order_activation.models.common import ApiModel, Money

InvoiceStatus = Literal["DRAFT", "ACTIVE", "CANCELED"]
PaymentStatus = Literal["UNPAID", "PAID", "FAILED", "NOT_REQUIRED"]


class InvoiceLine(ApiModel):
    description: str
    product_id: str
    quantity: int
    unit_price: Money
    amount: Money
    tax_amount: Money
    period_start: date | None
    period_end: date | None


class Invoice(ApiModel):
    id: str
    invoice_number: str | None
    status: InvoiceStatus
    payment_status: PaymentStatus
    customer_id: str
    order_id: str
    activation_id: str
    issue_date: date
    due_date: date
    period_start: date | None
    period_end: date | None
    lines: list[InvoiceLine]
    subtotal: Money
    tax_total: Money
    total: Money
    amount_due: Money
    credit_applied: Money = Decimal(0)
    currency: str
    po_number: str | None
    po_date: date | None
    pdf_url: str | None = None
    payment_url: str | None = None
    created_at: str
    activated_at: str | None = None
    pdf_key: str | None = Field(default=None, exclude=True)
