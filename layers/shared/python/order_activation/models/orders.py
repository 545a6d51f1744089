"""Draft orders and their lines, priced over the whole term."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from order_activation.models.catalog import BillingPeriod, PriceTier, PricingModel
from order_activation.models.common import ApiModel, BusinessDate, Money, RequestModel, StrictBool

OrderType = Literal["NEW", "CHANGE"]
OrderStatus = Literal["DRAFT", "PENDING_APPROVAL", "ACTIVATING", "ACTIVATED", "ACTIVATION_FAILED", "CANCELED"]

RecordId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class OrderLineRequest(RequestModel):
    product_id: RecordId
    quantity: Annotated[int, Field(strict=True, ge=1, le=1_000_000)]
    term_months: Annotated[int, Field(strict=True, ge=1, le=120)] = 12
    start_date: BusinessDate | None = None
    discount_percent: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] = Decimal(0)


class DraftOrderRequest(RequestModel):
    """`POST /orders`: a priced preview of a new order, DRAFT until activated."""

    customer_id: RecordId
    effective_date: BusinessDate
    lines: Annotated[list[OrderLineRequest], Field(min_length=1, max_length=200)]
    auto_activate: StrictBool = False
    activation_date: BusinessDate | None = None

    @model_validator(mode="after")
    def _activation_date_needs_auto_activate(self) -> "DraftOrderRequest":
        if self.activation_date is not None and not self.auto_activate:
            raise ValueError("activationDate is only used with autoActivate: true")
        return self


class CapturedPrice(ApiModel):
    """The product's price as it stood when the draft was priced; activation bills this."""

    pricing_model: PricingModel
    unit_price: Money | None
    tiers: list[PriceTier]
    taxable: bool


class OrderLine(ApiModel):
    id: str
    product_id: str
    sku: str
    quantity: int
    term_months: int | None
    start_date: date
    end_date: date | None
    billing_period: BillingPeriod
    discount_percent: Decimal
    price: CapturedPrice
    unit_price: Money
    period_amount: Money
    list_amount: Money
    discount_amount: Money
    net_amount: Money
    tax_amount: Money
    total_amount: Money
    change_type: str | None = None
    subscription_id: str | None = None
    base_version: int | None = None
    prorated_until: date | None = None


class Order(ApiModel):
    id: str
    order_number: str
    type: OrderType
    status: OrderStatus
    customer_id: str
    currency: str
    effective_date: date
    lines: list[OrderLine]
    list_total: Money
    discount_total: Money
    subtotal: Money
    tax_total: Money
    total: Money
    tax_rate: Decimal
    po_number: str | None = None
    po_date: date | None = None
    activation_id: str | None = None
    auto_activate: bool = False
    activation_date: date | None = None
    pricing_locked: bool = False
    created_at: str
    activated_at: str | None = None
