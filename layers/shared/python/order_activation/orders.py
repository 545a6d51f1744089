"""Draft orders: priced previews over the whole term, numbered per tenant."""

from datetime import date
from decimal import Decimal
from typing import Any

from order_activation.errors import InvalidStateError, NotFoundError, OrderNotDraftError, OrderNotEligibleError
from order_activation.models.catalog import Product
from order_activation.models.common import Page, timestamp, utc_now
from order_activation.models.customers import Customer
from order_activation.models.orders import (
    CapturedPrice,
    DraftOrderRequest,
    Order,
    OrderLine,
    OrderLineRequest,
    OrderStatus,
    OrderType,
)
from order_activation.pricing.engine import LineInput, PricedLine, PriceSpec, Tier, order_totals, price_line
from order_activation.storage.dynamo import new_id
from order_activation.storage.repositories import Counters, Customers, Orders, Products

orders = Orders()
counters = Counters()
customers = Customers()
products = Products()


def create_draft_order(tenant_id: str, request: DraftOrderRequest) -> Order:
    """Prices a new order as a DRAFT and gives it the tenant's next order number.

    Every product must exist and bill in the customer's currency; each problem is
    reported at once, with the line it belongs to.
    """
    customer = customers.get(tenant_id, request.customer_id)
    catalog = products.get_many(tenant_id, (line.product_id for line in request.lines))
    _check_eligible(request, customer, catalog)
    assert customer is not None

    priced_lines = [
        _order_line(line, catalog[line.product_id], request, customer.tax_rate, customer.currency)
        for line in request.lines
    ]
    return store_draft(
        tenant_id,
        "NEW",
        customer,
        request.effective_date,
        priced_lines,
        auto_activate=request.auto_activate,
        activation_date=request.activation_date,
    )


def store_draft(
    tenant_id: str,
    order_type: OrderType,
    customer: Customer,
    effective_date: date,
    priced_lines: list[tuple[OrderLine, PricedLine]],
    **options: Any,
) -> Order:
    """Stores a DRAFT whose totals are the sums of its rounded lines, with the tenant's next number."""
    totals = order_totals((priced for _, priced in priced_lines), customer.currency)
    number = counters.reserve(tenant_id, "ORDER")

    order = Order(
        id=new_id("ord"),
        order_number=f"O-{number:06d}",
        type=order_type,
        status="DRAFT",
        customer_id=customer.id,
        currency=customer.currency,
        effective_date=effective_date,
        lines=[line for line, _ in priced_lines],
        list_total=totals.list_total,
        discount_total=totals.discount_total,
        subtotal=totals.subtotal,
        tax_total=totals.tax_total,
        total=totals.total,
        tax_rate=customer.tax_rate,
        created_at=timestamp(utc_now()),
        **options,
    )
    orders.add(tenant_id, order)
    return order


def _check_eligible(request: DraftOrderRequest, customer: Customer | None, catalog: dict[str, Product]) -> None:
    reasons: list[dict[str, str]] = []
    if customer is None:
        reasons.append({"field": "customerId", "message": f"customer {request.customer_id} not found"})

    for index, line in enumerate(request.lines):
        product = catalog.get(line.product_id)
        field = f"lines[{index}].productId"
        if product is None:
            reasons.append({"field": field, "message": f"product {line.product_id} not found"})
        elif customer is not None and product.currency != customer.currency:
            message = f"product bills in {product.currency}, the customer in {customer.currency}"
            reasons.append({"field": field, "message": message})

    if reasons:
        raise OrderNotEligibleError("the order cannot be priced", reasons)


def _order_line(
    line: OrderLineRequest,
    product: Product,
    request: DraftOrderRequest,
    tax_rate: Decimal,
    currency: str,
) -> tuple[OrderLine, PricedLine]:
    captured = CapturedPrice(
        pricing_model=product.pricing_model,
        unit_price=product.unit_price,
        tiers=product.tiers,
        taxable=product.taxable,
    )
    start_date = line.start_date or request.effective_date
    recurring = product.billing_period != "ONE_TIME"

    priced = price_line(
        LineInput(
            price=_price_spec(captured, product.billing_period),
            quantity=line.quantity,
            term_months=line.term_months,
            start_date=start_date,
            discount_percent=line.discount_percent,
            taxable=product.taxable,
        ),
        currency,
        tax_rate,
    )

    order_line = OrderLine(
        id=new_id("oli"),
        product_id=product.id,
        sku=product.sku,
        quantity=line.quantity,
        term_months=line.term_months if recurring else None,
        start_date=start_date,
        end_date=priced.end_date,
        billing_period=product.billing_period,
        discount_percent=line.discount_percent,
        price=captured,
        unit_price=priced.unit_price,
        period_amount=priced.period_amount,
        list_amount=priced.list_amount,
        discount_amount=priced.discount_amount,
        net_amount=priced.net_amount,
        tax_amount=priced.tax_amount,
        total_amount=priced.total_amount,
    )
    return order_line, priced


def _price_spec(price: CapturedPrice, billing_period: str) -> PriceSpec:
    tiers = tuple(Tier(tier.up_to, tier.unit_price, tier.flat_price) for tier in price.tiers)
    return PriceSpec(price.pricing_model, billing_period, price.unit_price, tiers)  # type: ignore[arg-type]


def reprice_line(line: OrderLine, currency: str, tax_rate: Decimal) -> PricedLine:
    """Prices a stored line again from the price it captured on the draft."""
    return price_line(
        LineInput(
            price=_price_spec(line.price, line.billing_period),
            quantity=line.quantity,
            term_months=line.term_months or 1,
            start_date=line.start_date,
            discount_percent=line.discount_percent,
            taxable=line.price.taxable,
        ),
        currency,
        tax_rate,
    )


def get_order(tenant_id: str, order_id: str) -> Order:
    order = orders.get(tenant_id, order_id)
    if order is None:
        raise NotFoundError(f"order {order_id} not found")
    return order


def list_orders(tenant_id: str, status: OrderStatus | None, limit: int, next_token: str | None) -> Page[Order]:
    items, token = orders.page(tenant_id, status, limit, next_token)
    return Page[Order](items=items, next_token=token)


def cancel_order(tenant_id: str, order_id: str) -> Order:
    """Cancels a DRAFT order; any other status is `order_not_draft`."""
    order = get_order(tenant_id, order_id)
    if order.status != "DRAFT":
        raise _not_draft(order)

    canceled = order.model_copy(update={"status": "CANCELED"})
    try:
        orders.replace(tenant_id, canceled, expected_status="DRAFT")
    except InvalidStateError as error:
        raise _not_draft(get_order(tenant_id, order_id)) from error
    return canceled


def _not_draft(order: Order) -> OrderNotDraftError:
    details = [{"activationId": order.activation_id}] if order.activation_id else []
    return OrderNotDraftError(f"order {order.id} is {order.status}, not DRAFT", details)
