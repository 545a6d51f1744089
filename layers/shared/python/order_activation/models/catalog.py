"""Products of the catalog: how they bill, how they price and what they grant."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from order_activation.models.common import ApiModel, CurrencyCode, Money, MoneyIn, RequestModel, StrictBool, Text
from order_activation.pricing.engine import PriceSpec, Tier, validate_price_spec

BillingPeriod = Literal["MONTH", "QUARTER", "YEAR", "ONE_TIME"]
PricingModel = Literal["FLAT", "PER_UNIT", "TIERED", "VOLUME"]

Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Feature = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


class PriceTierIn(RequestModel):
    up_to: Annotated[int, Field(strict=True, ge=1)] | None
    unit_price: MoneyIn
    flat_price: MoneyIn = Decimal(0)


class PriceTier(ApiModel):
    up_to: int | None
    unit_price: Money
    flat_price: Money


class EntitlementGrantIn(RequestModel):
    feature: Feature
    quantity_per_unit: Annotated[int, Field(strict=True, ge=0, le=1_000_000)] | None = None


class EntitlementGrant(ApiModel):
    feature: str
    quantity_per_unit: int | None


class ProductRequest(RequestModel):
    """`POST /products`: FLAT and PER_UNIT take a unitPrice, TIERED and VOLUME take tiers."""

    sku: Sku
    name: Text
    currency: CurrencyCode
    billing_period: BillingPeriod
    pricing_model: PricingModel
    unit_price: MoneyIn | None = None
    tiers: Annotated[list[PriceTierIn], Field(max_length=50)] = []
    taxable: StrictBool = True
    entitlements: Annotated[list[EntitlementGrantIn], Field(max_length=50)] = []

    @model_validator(mode="after")
    def _price_is_complete(self) -> "ProductRequest":
        problems = validate_price_spec(self.price_spec())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def price_spec(self) -> PriceSpec:
        tiers = tuple(Tier(t.up_to, t.unit_price, t.flat_price) for t in self.tiers)
        return PriceSpec(self.pricing_model, self.billing_period, self.unit_price, tiers)


class Product(ApiModel):
    id: str
    sku: str
    name: str
    currency: str
    billing_period: BillingPeriod
    pricing_model: PricingModel
    unit_price: Money | None
    tiers: list[PriceTier]
    taxable: bool
    entitlements: list[EntitlementGrant]
    created_at: str

    def price_spec(self) -> PriceSpec:
        tiers = tuple(Tier(t.up_to, t.unit_price, t.flat_price) for t in self.tiers)
        return PriceSpec(self.pricing_model, self.billing_period, self.unit_price, tiers)
