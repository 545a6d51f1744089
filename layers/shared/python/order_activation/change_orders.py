"""Change orders: each change priced as the proration of the current billing period.

A change line's amount is the difference between the new and the old price of one
billing period, times the share of that period left: `days_left / days_in_period`,
where `days_left` counts the effective date itself through the period's last day.
A positive amount is a charge, a negative one a credit.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from order_activation.errors import OrderNotEligibleError
from order_activation.models.activations import Subscription
from order_activation.models.catalog import Product
from order_activation.models.change_orders import (
    CancelChange,
    Change,
    ChangeOrderRequest,
    CoTermChange,
    ProductChange,
    RenewChange,
    UpdateQuantityChange,
)
from order_activation.models.customers import Customer
from order_activation.models.orders import CapturedPrice, Order, OrderLine
from order_activation.orders import store_draft
from order_activation.pricing.calendar import (
    PERIOD_MONTHS,
    billing_period_containing,
    days_inclusive,
    term_end_date,
)
from order_activation.pricing.engine import LineInput, PricedLine, PriceSpec, Tier, price_line
from order_activation.pricing.money import round_money
from order_activation.storage.dynamo import new_id
from order_activation.storage.repositories import ActivationRecords, Customers, Products

customers = Customers()
products = Products()
records = ActivationRecords()


@dataclass(frozen=True)
class Proration:
    days_left: int
    days_in_period: int
    period_end: date


def proration_share(subscription: Subscription, effective: date) -> Proration:
    """The part of the current billing period left on `effective`, the effective date included."""
    _, period_start, period_end = billing_period_containing(
        subscription.start_date, subscription.billing_period, effective
    )
    return Proration(days_inclusive(effective, period_end), days_inclusive(period_start, period_end), period_end)


def prorate(old_period_amount: Decimal, new_period_amount: Decimal, share: Proration, currency: str) -> Decimal:
    """`(new - old) x days_left / days_in_period`, rounded half-up once."""
    with localcontext() as context:
        context.prec = 50
        exact = (new_period_amount - old_period_amount) * share.days_left / share.days_in_period
    return round_money(exact, currency)


def create_change_order(tenant_id: str, request: ChangeOrderRequest) -> Order:
    """Prices a change order as a DRAFT; every reason it cannot be priced is reported at once."""
    customer = customers.get(tenant_id, request.customer_id)
    subscriptions = {
        change.subscription_id: records.latest_subscription(tenant_id, change.subscription_id)
        for change in request.changes
    }
    product_ids = [change.product_id for change in request.changes if isinstance(change, ProductChange)]
    product_ids += [subscription.product_id for subscription in subscriptions.values() if subscription]
    catalog = products.get_many(tenant_id, product_ids)
    reasons = _reasons(request, customer, subscriptions, catalog)
    if reasons:
        raise OrderNotEligibleError("the change order cannot be priced", reasons)
    assert customer is not None

    lines = []
    for change in request.changes:
        subscription = subscriptions[change.subscription_id]
        assert subscription is not None
        lines.append(_change_line(change, subscription, request.effective_date, customer, catalog))

    return store_draft(tenant_id, "CHANGE", customer, request.effective_date, lines)


def _reasons(
    request: ChangeOrderRequest,
    customer: Customer | None,
    subscriptions: dict[str, Subscription | None],
    new_products: dict[str, Product],
) -> list[dict[str, str]]:
    reasons: list[dict[str, str]] = []
    if customer is None:
        return [{"field": "customerId", "message": f"customer {request.customer_id} not found"}]

    seen: set[str] = set()
    for index, change in enumerate(request.changes):
        field = f"changes[{index}]"
        subscription = subscriptions[change.subscription_id]
        problem = eligibility_problem(subscription, customer.id, request.effective_date)
        if change.subscription_id in seen:
            problem = "the subscription is changed twice in this order"
        seen.add(change.subscription_id)
        if problem is None and subscription is not None:
            problem = _change_problem(change, subscription, request.effective_date, new_products)
        if problem:
            reasons.append({"field": f"{field}.subscriptionId", "message": problem})
    return reasons


def eligibility_problem(subscription: Subscription | None, customer_id: str, effective: date) -> str | None:
    """Why a subscription cannot be changed on `effective`, or None."""
    if subscription is None or subscription.customer_id != customer_id:
        return "no such subscription of this customer"
    if subscription.status != "ACTIVE":
        return f"the subscription is {subscription.status}, not ACTIVE"
    if not subscription.start_date <= effective <= subscription.end_date:
        return f"the effective date is outside the term {subscription.start_date} to {subscription.end_date}"
    return None


def _change_problem(
    change: Change, subscription: Subscription, effective: date, new_products: dict[str, Product]
) -> str | None:
    if isinstance(change, ProductChange):
        product = new_products.get(change.product_id)
        if product is None:
            return f"product {change.product_id} not found"
        if product.billing_period != subscription.billing_period:
            return f"product {product.sku} bills per {product.billing_period}, the subscription per " + (
                subscription.billing_period
            )
        if product.currency != subscription.currency:
            return f"product {product.sku} bills in {product.currency}"
        if product.id == subscription.product_id:
            return "the subscription already has this product"
    if isinstance(change, CoTermChange) and change.co_term_date < effective:
        return "coTermDate is before the effective date"
    return None


def _change_line(
    change: Change,
    subscription: Subscription,
    effective: date,
    customer: Customer,
    catalog: dict[str, Product],
) -> tuple[OrderLine, PricedLine]:
    currency = subscription.currency
    price = subscription.price
    assert price is not None
    product_id, quantity = subscription.product_id, subscription.quantity
    term_months, end_date = subscription.term_months, subscription.end_date

    if isinstance(change, UpdateQuantityChange):
        quantity = change.quantity
    elif isinstance(change, ProductChange):
        product = catalog[change.product_id]
        product_id = product.id
        price = CapturedPrice(
            pricing_model=product.pricing_model,
            unit_price=product.unit_price,
            tiers=product.tiers,
            taxable=product.taxable,
        )
    elif isinstance(change, RenewChange):
        term_months = subscription.term_months + change.term_months
        end_date = term_end_date(subscription.start_date, term_months)
    elif isinstance(change, CoTermChange):
        end_date = change.co_term_date
    elif isinstance(change, CancelChange):
        end_date = effective - timedelta(days=1)

    new_period_amount = _period_amount(price, subscription, quantity, currency)
    if isinstance(change, CancelChange):
        new_period_amount = round_money(Decimal(0), currency)
    if isinstance(change, RenewChange | CoTermChange):
        new_period_amount = subscription.period_amount

    share = proration_share(subscription, effective)
    net = prorate(subscription.period_amount, new_period_amount, share, currency)
    tax = round_money(net * customer.tax_rate, currency) if price.taxable else round_money(Decimal(0), currency)
    zero = round_money(Decimal(0), currency)
    priced = PricedLine(
        unit_price=round_money(new_period_amount / quantity, currency),
        period_list_amount=new_period_amount,
        period_amount=new_period_amount,
        list_amount=net,
        discount_amount=zero,
        net_amount=net,
        tax_amount=tax,
        total_amount=net + tax,
        end_date=end_date,
        billing_periods=Decimal(0),
    )
    line = OrderLine(
        id=new_id("oli"),
        product_id=product_id,
        sku=catalog[product_id].sku if product_id in catalog else product_id,
        quantity=quantity,
        term_months=term_months,
        start_date=effective,
        end_date=end_date,
        billing_period=subscription.billing_period,
        discount_percent=subscription.discount_percent,
        price=price,
        unit_price=priced.unit_price,
        period_amount=new_period_amount,
        list_amount=net,
        discount_amount=zero,
        net_amount=net,
        tax_amount=tax,
        total_amount=net + tax,
        change_type=change.change_type,
        subscription_id=subscription.id,
        base_version=subscription.version,
        prorated_until=share.period_end,
    )
    return line, priced


def _period_amount(price: CapturedPrice, subscription: Subscription, quantity: int, currency: str) -> Decimal:
    """One billing period of `quantity` at `price`, after the subscription's discount."""
    tiers = tuple(Tier(tier.up_to, tier.unit_price, tier.flat_price) for tier in price.tiers)
    spec = PriceSpec(price.pricing_model, subscription.billing_period, price.unit_price, tiers)
    priced = price_line(
        LineInput(
            price=spec,
            quantity=quantity,
            term_months=PERIOD_MONTHS[subscription.billing_period],
            start_date=subscription.start_date,
            discount_percent=subscription.discount_percent,
            taxable=price.taxable,
        ),
        currency,
        Decimal(0),
    )
    return priced.period_amount
