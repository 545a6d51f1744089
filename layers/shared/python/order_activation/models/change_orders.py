"""Change orders: what a customer changes on its ACTIVE subscriptions, from an effective date."""

from typing import Annotated, Literal

from pydantic import Field

from order_activation.models.common import BusinessDate, RequestModel
from order_activation.models.orders import RecordId

Quantity = Annotated[int, Field(strict=True, ge=1, le=1_000_000)]
TermMonths = Annotated[int, Field(strict=True, ge=1, le=120)]


class UpdateQuantityChange(RequestModel):
    change_type: Literal["UPDATE_QUANTITY"]
    subscription_id: RecordId
    quantity: Quantity


class ProductChange(RequestModel):
    """Moves the subscription to another product of the same billing period."""

    subscription_id: RecordId
    product_id: RecordId


class UpgradeChange(ProductChange):
    change_type: Literal["UPGRADE"]


class DowngradeChange(ProductChange):
    change_type: Literal["DOWNGRADE"]


class RenewChange(RequestModel):
    change_type: Literal["RENEW"]
    subscription_id: RecordId
    term_months: TermMonths


class CoTermChange(RequestModel):
    change_type: Literal["CO_TERM"]
    subscription_id: RecordId
    co_term_date: BusinessDate


class CancelChange(RequestModel):
    change_type: Literal["CANCEL"]
    subscription_id: RecordId


Change = Annotated[
    UpdateQuantityChange | UpgradeChange | DowngradeChange | RenewChange | CoTermChange | CancelChange,
    Field(discriminator="change_type"),
]


class ChangeOrderRequest(RequestModel):
    """`POST /change-orders`: changes to a customer's subscriptions, priced as prorations."""

    customer_id: RecordId
    effective_date: BusinessDate
    changes: Annotated[list[Change], Field(min_length=1, max_length=200)]
