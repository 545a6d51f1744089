"""Order preview pricing: list price per billing period, term value, discount, tax and totals.

All arithmetic is on ``Decimal`` in a local context of 50 digits in which inexact
multiplication and any mixing with floats raise; only the divisions (a 5-month term billed
quarterly is 5/3 periods) are rounded at 50 digits, and they are done last. Every amount on
a priced line is rounded HALF-UP to the currency's minor unit, and every total is the sum
of those rounded lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    FloatOperation,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Final, Literal, get_args

from .calendar import PERIOD_MONTHS, term_end_date
from .money import _minor_unit_quantum, _round_half_up

__all__ = [
    "BillingPeriod",
    "LineInput",
    "OrderTotals",
    "PriceSpec",
    "PricedLine",
    "PricingError",
    "PricingModel",
    "Tier",
    "order_totals",
    "period_list_amount",
    "price_line",
    "validate_price_spec",
]

PricingModel = Literal["FLAT", "PER_UNIT", "TIERED", "VOLUME"]
BillingPeriod = Literal["MONTH", "QUARTER", "YEAR", "ONE_TIME"]

PRICING_MODELS: Final[frozenset[str]] = frozenset(get_args(PricingModel))
BILLING_PERIODS: Final[frozenset[str]] = frozenset(get_args(BillingPeriod))

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)

_TOO_LARGE = "amounts are too large to be priced exactly at 50 significant digits"

# Multiplications and sums must be exact: Inexact is trapped, and so is any float operand.
_EXACT_CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, FloatOperation],
)

# Divisions (term months per period, per-unit price) are the only rounded steps, at 50 digits.
_DIVISION_CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, FloatOperation],
)


class PricingError(ValueError):
    """A price or an order line cannot be priced; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Tier:
    """One band of a TIERED or VOLUME price: units up to ``up_to`` (None: no upper bound)."""

    up_to: int | None
    unit_price: Decimal
    flat_price: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class PriceSpec:
    """How one billing period of a product is priced, and how often it is billed."""

    pricing_model: PricingModel
    billing_period: BillingPeriod
    unit_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True, slots=True)
class LineInput:
    """One order line: a price, a quantity and a contract term of ``term_months`` months."""

    price: PriceSpec
    quantity: int
    term_months: int
    start_date: date
    discount_percent: Decimal = _ZERO
    taxable: bool = True


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A priced order line; every amount is rounded to the currency's minor unit.

    ``period_*`` amounts are for one billing period; ``list_amount`` to ``total_amount`` are
    for the whole term (total contract value). ``unit_price`` is per unit per period after
    discount.
    """

    unit_price: Decimal
    period_list_amount: Decimal
    period_amount: Decimal
    list_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    end_date: date | None
    billing_periods: Decimal


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """Order totals, each the sum of the same rounded amount over the order's lines."""

    list_total: Decimal
    discount_total: Decimal
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def validate_price_spec(price: PriceSpec) -> list[str]:
    """Return every problem with a price, in words; an empty list means it can be priced.

    The rule: FLAT and PER_UNIT need a unit_price >= 0 and no tiers. TIERED and VOLUME need
    at least one tier and no unit_price; tiers have up_to strictly ascending from >= 1 and
    only the last tier has up_to None; every price is >= 0. All prices are finite Decimals.
    """
    problems: list[str] = []

    if price.pricing_model not in PRICING_MODELS:
        known = ", ".join(sorted(PRICING_MODELS))
        problems.append(f"pricing_model must be one of {known}, got {price.pricing_model!r}")

    if price.billing_period not in BILLING_PERIODS:
        known = ", ".join(sorted(BILLING_PERIODS))
        problems.append(f"billing_period must be one of {known}, got {price.billing_period!r}")

    if price.pricing_model in ("FLAT", "PER_UNIT"):
        problems.extend(_unit_price_problems(price))
    elif price.pricing_model in ("TIERED", "VOLUME"):
        problems.extend(_tier_problems(price))

    return problems


def period_list_amount(price: PriceSpec, quantity: int) -> Decimal:
    """Return the exact, unrounded list amount of one billing period for ``quantity`` units.

    The rule: FLAT is the unit_price whatever the quantity; PER_UNIT is unit_price x
    quantity; TIERED (graduated) prices each unit in its own tier and adds the flat_price of
    every tier that receives at least one unit; VOLUME prices all units at the single tier
    the quantity falls in (the first with up_to None or quantity <= up_to), plus its
    flat_price. Raises ``PricingError`` for an invalid price or a quantity below 1.
    """
    problems = validate_price_spec(price) + _quantity_problems(quantity)
    if problems:
        raise PricingError(problems)

    with localcontext(_EXACT_CONTEXT):
        try:
            return _period_list_amount(price, quantity)
        except Inexact:
            raise PricingError([_TOO_LARGE]) from None


def price_line(line: LineInput, currency: str, tax_rate: Decimal) -> PricedLine:
    """Price one order line over its whole term (the order preview, total contract value).

    The rule, with every amount rounded HALF-UP to the currency's minor unit:
    billing_periods is 1 for ONE_TIME (no end date), else term_months / months per period;
    d = discount_percent / 100; period_amount = period list x (1 - d); list_amount =
    period list x term_months / months per period (the division last); discount_amount =
    list_amount x d; net_amount = list_amount - discount_amount; tax_amount = net_amount x
    tax_rate when taxable, else zero; total_amount = net_amount + tax_amount; unit_price =
    period_amount / quantity. ``tax_rate`` is a fraction (0.20 for 20 %).
    """
    minor_unit = _minor_unit_quantum(currency)

    problems = [
        *validate_price_spec(line.price),
        *_line_problems(line),
        *_tax_rate_problems(tax_rate),
    ]
    if problems:
        raise PricingError(problems)

    with localcontext(_EXACT_CONTEXT):
        try:
            return _price_valid_line(line, minor_unit, tax_rate)
        except Inexact:
            raise PricingError([_TOO_LARGE]) from None


def order_totals(lines: Iterable[PricedLine], currency: str) -> OrderTotals:
    """Return the order totals as sums of the already rounded line amounts.

    The rule: list_total, discount_total, subtotal, tax_total and total are the sums of
    list_amount, discount_amount, net_amount, tax_amount and total_amount, shown at the
    currency's minor unit, with no rounding of their own. An empty order totals zero. A line
    amount that is not a whole number of minor units (a line priced in another currency)
    raises ``PricingError`` instead of being rounded away.
    """
    minor_unit = _minor_unit_quantum(currency)
    list_total = discount_total = subtotal = tax_total = total = _ZERO

    with localcontext(_EXACT_CONTEXT):
        for number, line in enumerate(lines, start=1):
            _require_minor_units(line, number, currency, minor_unit)

            list_total += line.list_amount
            discount_total += line.discount_amount
            subtotal += line.net_amount
            tax_total += line.tax_amount
            total += line.total_amount

    return OrderTotals(
        list_total=_round_half_up(list_total, minor_unit),
        discount_total=_round_half_up(discount_total, minor_unit),
        subtotal=_round_half_up(subtotal, minor_unit),
        tax_total=_round_half_up(tax_total, minor_unit),
        total=_round_half_up(total, minor_unit),
    )


def _price_valid_line(line: LineInput, minor_unit: Decimal, tax_rate: Decimal) -> PricedLine:
    period_list = _period_list_amount(line.price, line.quantity)

    if line.price.billing_period == "ONE_TIME":
        billing_periods = _ONE
        term_list = period_list
        end_date: date | None = None
    else:
        months_per_period = PERIOD_MONTHS[line.price.billing_period]
        billing_periods = _DIVISION_CONTEXT.divide(Decimal(line.term_months), months_per_period)
        term_list = _DIVISION_CONTEXT.divide(period_list * line.term_months, months_per_period)
        end_date = term_end_date(line.start_date, line.term_months)

    discount_rate = line.discount_percent / _HUNDRED

    period_amount = _round_half_up(period_list * (_ONE - discount_rate), minor_unit)
    list_amount = _round_half_up(term_list, minor_unit)
    discount_amount = _round_half_up(list_amount * discount_rate, minor_unit)
    net_amount = list_amount - discount_amount

    taxed = net_amount * tax_rate if line.taxable else _ZERO
    tax_amount = _round_half_up(taxed, minor_unit)
    total_amount = net_amount + tax_amount

    per_unit = _DIVISION_CONTEXT.divide(period_amount, line.quantity)
    unit_price = _round_half_up(per_unit, minor_unit)

    return PricedLine(
        unit_price=unit_price,
        period_list_amount=_round_half_up(period_list, minor_unit),
        period_amount=period_amount,
        list_amount=list_amount,
        discount_amount=discount_amount,
        net_amount=net_amount,
        tax_amount=tax_amount,
        total_amount=total_amount,
        end_date=end_date,
        billing_periods=billing_periods,
    )


def _period_list_amount(price: PriceSpec, quantity: int) -> Decimal:
    if price.pricing_model == "FLAT":
        assert price.unit_price is not None
        return price.unit_price

    if price.pricing_model == "PER_UNIT":
        assert price.unit_price is not None
        return price.unit_price * quantity

    if price.pricing_model == "VOLUME":
        tier = next(t for t in price.tiers if t.up_to is None or quantity <= t.up_to)
        return tier.unit_price * quantity + tier.flat_price

    return _graduated_amount(price.tiers, quantity)


def _graduated_amount(tiers: tuple[Tier, ...], quantity: int) -> Decimal:
    amount = _ZERO
    units_below = 0

    for tier in tiers:
        top = quantity if tier.up_to is None else min(tier.up_to, quantity)
        units_in_tier = top - units_below
        if units_in_tier <= 0:
            break

        amount += tier.unit_price * units_in_tier + tier.flat_price
        units_below = top

    return amount


def _unit_price_problems(price: PriceSpec) -> list[str]:
    problems = _price_problems(price.unit_price, f"{price.pricing_model} unit_price")

    if price.tiers:
        problems.append(f"{price.pricing_model} pricing takes no tiers, got {len(price.tiers)}")

    return problems


def _tier_problems(price: PriceSpec) -> list[str]:
    model = price.pricing_model
    problems: list[str] = []

    if price.unit_price is not None:
        problems.append(f"{model} pricing takes its prices from the tiers; unit_price must be None")

    if not isinstance(price.tiers, tuple):
        problems.append(f"tiers must be a tuple of Tier, got {type(price.tiers).__name__}")
        return problems

    if not price.tiers:
        problems.append(f"{model} pricing needs at least one tier")
        return problems

    last = len(price.tiers)
    previous_up_to = 0
    for number, tier in enumerate(price.tiers, start=1):
        if not isinstance(tier, Tier):
            problems.append(f"tier {number} must be a Tier, got {type(tier).__name__}")
            continue

        problems.extend(_price_problems(tier.unit_price, f"tier {number} unit_price"))
        problems.extend(_price_problems(tier.flat_price, f"tier {number} flat_price"))

        if tier.up_to is None:
            if number != last:
                problems.append(f"tier {number} has up_to None but only the last tier may have it")
            continue

        if isinstance(tier.up_to, bool) or not isinstance(tier.up_to, int):
            problems.append(f"tier {number} up_to must be an int or None, got {tier.up_to!r}")
            continue

        if tier.up_to < 1:
            problems.append(f"tier {number} up_to must be at least 1, got {tier.up_to}")
        elif tier.up_to <= previous_up_to:
            below = f"the previous tier's {previous_up_to}"
            problems.append(f"tier {number} up_to must be above {below}, got {tier.up_to}")
        previous_up_to = max(previous_up_to, tier.up_to)

        if number == last:
            problems.append(f"the last tier must have up_to None (no upper bound), got {tier.up_to}")

    return problems


def _price_problems(amount: object, name: str) -> list[str]:
    if not isinstance(amount, Decimal):
        return [f"{name} must be a Decimal, got {type(amount).__name__}"]

    if not amount.is_finite():
        return [f"{name} must be a finite number, got {amount}"]

    if amount.is_signed() and not amount.is_zero():
        return [f"{name} must not be negative, got {amount}"]

    return []


def _quantity_problems(quantity: object) -> list[str]:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return [f"quantity must be an int, got {type(quantity).__name__}"]

    if quantity < 1:
        return [f"quantity must be at least 1, got {quantity}"]

    return []


def _line_problems(line: LineInput) -> list[str]:
    problems = _quantity_problems(line.quantity)

    if line.price.billing_period != "ONE_TIME":
        term_months: object = line.term_months
        if isinstance(term_months, bool) or not isinstance(term_months, int):
            problems.append(f"term_months must be an int, got {type(term_months).__name__}")
        elif term_months < 1:
            problems.append(f"term_months must be at least 1 for a recurring price, got {term_months}")

    start_date: object = line.start_date
    if isinstance(start_date, datetime) or not isinstance(start_date, date):
        kind = type(start_date).__name__
        problems.append(f"start_date must be a date (not a datetime), got {kind}")

    discount: object = line.discount_percent
    if not isinstance(discount, Decimal) or not discount.is_finite():
        problems.append(f"discount_percent must be a finite Decimal, got {discount!r}")
    elif not _ZERO <= discount <= _HUNDRED:
        problems.append(f"discount_percent must be between 0 and 100, got {discount}")

    if not isinstance(line.taxable, bool):
        problems.append(f"taxable must be a bool, got {type(line.taxable).__name__}")

    return problems


def _tax_rate_problems(tax_rate: object) -> list[str]:
    if not isinstance(tax_rate, Decimal) or not tax_rate.is_finite():
        return [f"tax_rate must be a finite Decimal, got {tax_rate!r}"]

    if not _ZERO <= tax_rate <= _ONE:
        return [f"tax_rate is a fraction between 0 and 1 (0.20 for 20 %), got {tax_rate}"]

    return []


def _require_minor_units(line: PricedLine, number: int, currency: str, minor_unit: Decimal) -> None:
    amounts = (
        line.list_amount,
        line.discount_amount,
        line.net_amount,
        line.tax_amount,
        line.total_amount,
    )

    for amount in amounts:
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise PricingError([f"line {number} amount {amount!r} is not a finite Decimal"])

        if _round_half_up(amount, minor_unit) != amount:
            raise PricingError(
                [f"line {number} amount {amount} is not a whole number of {currency} minor units"],
            )
