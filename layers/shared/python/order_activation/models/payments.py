"""A payment of an invoice, as the activation reports it."""

from typing import Literal

from pydantic import Field

from order_activation.models.common import ApiModel, Money

PaymentOutcome = Literal["SUCCEEDED", "FAILED", "PROCESSING"]


class Payment(ApiModel):
    status: PaymentOutcome
    amount: Money
    currency: str
    external_id: str | None = None
    failure_message: str | None = None
    invoice_id: str = Field(exclude=True)
    stripe_customer_id: str = Field(exclude=True)
    updated_at: str = Field(exclude=True)
