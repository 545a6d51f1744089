"""Activations and what they create: subscriptions, assets and entitlements."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from order_activation.models.catalog import BillingPeriod
from order_activation.models.common import ApiModel, BusinessDate, Money, RequestModel, StrictBool
from order_activation.models.invoices import Invoice
from order_activation.models.orders import CapturedPrice, Order
from order_activation.models.payments import Payment

ActivationStatus = Literal["RUNNING", "PENDING_APPROVAL", "SUCCEEDED", "FAILED", "REJECTED"]

PoNumber = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]
ExternalText = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


class TransactionHubLink(RequestModel):
    """Associates the order with a record of a connected system."""

    external_system: Literal["Stripe", "Salesforce"]
    external_id: ExternalText
    transaction_type: ExternalText


class ActivationRequest(RequestModel):
    """`POST /orders/{orderId}/activate`; every field is optional."""

    generate_invoice: StrictBool = False
    activate_invoice: StrictBool = False
    po_number: PoNumber | None = None
    po_date: BusinessDate | None = None
    transaction_hub: TransactionHubLink | None = None

    @model_validator(mode="after")
    def _activate_needs_generate(self) -> "ActivationRequest":
        if self.activate_invoice and not self.generate_invoice:
            raise ValueError("activateInvoice needs generateInvoice: true")
        return self


class SyncError(ApiModel):
    code: str
    message: str


class ConnectedTransaction(ApiModel):
    """One object of the order as recorded in a connected system."""

    external_system: str
    external_id: str | None
    transaction_type: str
    object_type: Literal["CUSTOMER", "PRODUCT", "INVOICE", "PAYMENT"]
    object_id: str
    status: Literal["SYNCED", "FAILED"]
    error: SyncError | None = None


class RejectionRequest(RequestModel):
    comment: Annotated[str, Field(max_length=1000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")] = ""


class ActivationStarted(ApiModel):
    """The answer while an activation runs (202)."""

    activation_id: str
    order_id: str
    status: ActivationStatus


class Subscription(ApiModel):
    id: str
    subscription_number: str
    version: int
    status: Literal["ACTIVE", "CANCELED", "EXPIRED"]
    customer_id: str
    product_id: str
    quantity: int
    start_date: date
    end_date: date
    term_months: int
    billing_period: BillingPeriod
    next_billing_date: date
    period_amount: Money
    currency: str
    order_id: str
    order_line_id: str
    created_at: str
    price: CapturedPrice | None = Field(default=None, exclude=True)
    discount_percent: Decimal = Field(default=Decimal(0), exclude=True)
    activation_id: str | None = Field(default=None, exclude=True)
    locked_by: str | None = Field(default=None, exclude=True)


class Asset(ApiModel):
    id: str
    asset_number: str
    customer_id: str
    product_id: str
    quantity: int
    status: Literal["ACTIVE", "RETIRED"]
    start_date: date
    order_id: str
    order_line_id: str
    created_at: str


class Entitlement(ApiModel):
    id: str
    customer_id: str
    feature: str
    quantity: int | None
    subscription_id: str | None = None
    asset_id: str | None = None
    start_date: date
    end_date: date | None
    status: Literal["ACTIVE", "ENDED"]
    order_id: str
    created_at: str


class ActivationError(ApiModel):
    code: str
    message: str
    step: str | None


class ActivationRecord(ApiModel):
    """What the service stores of an activation; the view adds the records it made."""

    activation_id: str
    order_id: str
    customer_id: str
    status: ActivationStatus
    options: ActivationRequest
    current_step: str | None = None
    task_token: str | None = Field(default=None, exclude=True)
    ended_entitlements: dict[str, str | None] = Field(default_factory=dict, exclude=True)
    """Entitlements a change order ended early, with their former end dates, for an undo."""
    batch_id: str | None = None
    transactions: list[ConnectedTransaction] = []
    started_at: str
    completed_at: str | None = None
    error: ActivationError | None = None


class Activation(ApiModel):
    """`GET /activations/{activationId}`: the activation and everything it created."""

    activation_id: str
    order_id: str
    status: ActivationStatus
    started_at: str
    completed_at: str | None
    order: Order
    subscriptions: list[Subscription]
    assets: list[Asset]
    entitlements: list[Entitlement]
    invoice: Invoice | None = None
    payment: Payment | None = None
    transactions: list[ConnectedTransaction] = []
    error: ActivationError | None


class ActivationStepInput(ApiModel):
    """The state every step of the ActivateOrder state machine receives and passes on."""

    tenant_id: str
    activation_id: str
    order_id: str
    generate_invoice: bool = False
    activate_invoice: bool = False
    needs_approval: bool = False
    approval_timeout_seconds: int = 0
    batch_id: str | None = None
    batch_task_token: str | None = None
