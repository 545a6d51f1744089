"""Customers: who is billed, where, at which tax rate and with which saved payment method."""

from decimal import Decimal
from typing import Annotated

from pydantic import EmailStr, Field

from order_activation.models.common import ApiModel, CurrencyCode, RequestModel, TaxRate, Text

StripeId = Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_]+$")]
AddressText = Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


class Address(RequestModel):
    line1: AddressText
    line2: AddressText | None = None
    city: AddressText
    region: AddressText | None = None
    postal_code: AddressText | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class CustomerRequest(RequestModel):
    name: Text
    email: EmailStr
    currency: CurrencyCode
    address: Address
    tax_rate: TaxRate = Decimal(0)
    payment_method: StripeId | None = None
    stripe_customer_id: StripeId | None = None


class Customer(ApiModel):
    id: str
    name: str
    email: str
    currency: str
    address: Address
    tax_rate: TaxRate
    payment_method: str | None
    stripe_customer_id: str | None
    stripe_payment_method: str | None = Field(default=None, exclude=True)
    created_at: str
