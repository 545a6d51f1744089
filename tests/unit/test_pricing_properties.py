"""Properties of the pricing engine, checked on generated prices, lines and orders.

The engine is compared with an independent oracle written on ``fractions.Fraction`` (exact
rational arithmetic, rounded half-up by hand), so any float, any early rounding and any
division done too soon shows up as a difference.
"""

from __future__ import annotations

import ast
import math
from datetime import date, timedelta
from decimal import Decimal, FloatOperation, getcontext, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import order_activation.pricing as pricing
from order_activation.pricing import (
    PERIOD_MONTHS,
    BillingPeriod,
    LineInput,
    PricedLine,
    PriceSpec,
    PricingModel,
    Tier,
    billing_period,
    billing_period_containing,
    minor_unit_exponent,
    order_totals,
    parse_money,
    period_list_amount,
    price_line,
    term_end_date,
)

D = Decimal
JAN_1 = date(2024, 1, 1)
CURRENCIES = ("USD", "EUR", "JPY", "KWD", "BHD")
MODELS: tuple[PricingModel, ...] = ("FLAT", "PER_UNIT", "TIERED", "VOLUME")
PERIODS: tuple[BillingPeriod, ...] = ("MONTH", "QUARTER", "YEAR", "ONE_TIME")
MODEST = settings(max_examples=200, deadline=None, database=None)

# --- strategies ---------------------------------------------------------------------------


def decimals(largest: str, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals from 0 to ``largest`` with exactly ``places`` places (drawn as integers: fast)."""
    most = int(D(largest).scaleb(places))

    return st.integers(min_value=0, max_value=most).map(lambda units: D(units).scaleb(-places))


prices = decimals("100000", 2)
fine_prices = decimals("1000", 4)
quantities = st.integers(min_value=1, max_value=2_000)
percentages = decimals("100", 2)
tax_rates = decimals("0.30", 4)
start_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def tier_ladders(draw: st.DrawFn, price_values: st.SearchStrategy[Decimal] = fine_prices) -> tuple[Tier, ...]:
    """One to four tiers with strictly ascending bounds; the last is unbounded."""
    bounds = draw(st.lists(st.integers(min_value=1, max_value=1_000), max_size=3, unique=True))
    up_tos: list[int | None] = [*sorted(bounds), None]

    return tuple(Tier(up_to, draw(price_values), draw(prices)) for up_to in up_tos)


@st.composite
def price_specs(draw: st.DrawFn) -> PriceSpec:
    """A valid price of any model on any billing period."""
    model = draw(st.sampled_from(MODELS))
    period = draw(st.sampled_from(PERIODS))

    if model in ("FLAT", "PER_UNIT"):
        return PriceSpec(model, period, unit_price=draw(fine_prices))
    return PriceSpec(model, period, tiers=draw(tier_ladders()))


@st.composite
def line_inputs(draw: st.DrawFn) -> LineInput:
    """A valid order line."""
    return LineInput(
        price=draw(price_specs()),
        quantity=draw(quantities),
        term_months=draw(st.integers(min_value=1, max_value=120)),
        start_date=draw(start_dates),
        discount_percent=draw(percentages),
        taxable=draw(st.booleans()),
    )


# --- the Fraction oracle ------------------------------------------------------------------


def half_up(value: Fraction, currency: str) -> Fraction:
    """Round a non-negative rational half-up to the currency's minor unit."""
    scale = 10 ** minor_unit_exponent(currency)

    return Fraction(math.floor(value * scale + Fraction(1, 2)), scale)


def oracle_period_list(price: PriceSpec, quantity: int) -> Fraction:
    """One period's list amount, unit by unit, in exact rationals."""
    if price.pricing_model == "FLAT":
        return Fraction(price.unit_price or 0)

    if price.pricing_model == "PER_UNIT":
        return Fraction(price.unit_price or 0) * quantity

    if price.pricing_model == "VOLUME":
        tier = next(t for t in price.tiers if t.up_to is None or quantity <= t.up_to)
        return Fraction(tier.unit_price) * quantity + Fraction(tier.flat_price)

    amount = Fraction(0)
    tier_floor = 0
    for tier in price.tiers:
        tier_ceiling = quantity if tier.up_to is None else tier.up_to
        units = sum(1 for unit in range(1, quantity + 1) if tier_floor < unit <= tier_ceiling)
        if units:
            amount += Fraction(tier.unit_price) * units + Fraction(tier.flat_price)
        tier_floor = tier_ceiling
    return amount


def oracle_line(line: LineInput, currency: str, tax_rate: Decimal) -> dict[str, Fraction]:
    """The preview rule of the brief, in exact rationals."""
    period_list = oracle_period_list(line.price, line.quantity)
    if line.price.billing_period == "ONE_TIME":
        billing_periods = Fraction(1)
    else:
        billing_periods = Fraction(line.term_months, PERIOD_MONTHS[line.price.billing_period])
    rate = Fraction(line.discount_percent) / 100

    period_amount = half_up(period_list * (1 - rate), currency)
    list_amount = half_up(period_list * billing_periods, currency)
    discount_amount = half_up(list_amount * rate, currency)
    net_amount = list_amount - discount_amount
    tax_amount = half_up(net_amount * Fraction(tax_rate), currency) if line.taxable else Fraction(0)

    return {
        "unit_price": half_up(period_amount / line.quantity, currency),
        "period_list_amount": half_up(period_list, currency),
        "period_amount": period_amount,
        "list_amount": list_amount,
        "discount_amount": discount_amount,
        "net_amount": net_amount,
        "tax_amount": tax_amount,
        "total_amount": net_amount + tax_amount,
        "billing_periods": billing_periods,
    }


def amounts_of(line: PricedLine) -> dict[str, Decimal]:
    names = (
        "unit_price",
        "period_list_amount",
        "period_amount",
        "list_amount",
        "discount_amount",
        "net_amount",
        "tax_amount",
        "total_amount",
    )
    return {name: getattr(line, name) for name in names}


# --- properties ---------------------------------------------------------------------------


@MODEST
@given(line=line_inputs(), currency=st.sampled_from(CURRENCIES), tax_rate=tax_rates)
def test_every_line_matches_the_exact_rational_oracle(line: LineInput, currency: str, tax_rate: Decimal) -> None:
    # GIVEN any valid line, currency and tax rate
    expected = oracle_line(line, currency, tax_rate)

    # WHEN it is priced with float operations trapped in the caller's context
    with localcontext() as context:
        context.traps[FloatOperation] = True
        priced = price_line(line, currency, tax_rate)

    # THEN every amount equals the exact rational result, at exactly the minor unit's places
    places = -minor_unit_exponent(currency)
    for name, amount in amounts_of(priced).items():
        assert Fraction(amount) == expected[name], name
        assert amount.as_tuple().exponent == places, name
        assert not amount.is_signed(), name

    # AND the term is split into periods without early rounding
    assert abs(Fraction(priced.billing_periods) - expected["billing_periods"]) < Fraction(1, 10**40)


@MODEST
@given(
    lines=st.lists(line_inputs(), max_size=6),
    currency=st.sampled_from(CURRENCIES),
    tax_rate=tax_rates,
)
def test_order_totals_are_the_sums_of_the_rounded_lines(
    lines: list[LineInput],
    currency: str,
    tax_rate: Decimal,
) -> None:
    # GIVEN any order
    priced = [price_line(line, currency, tax_rate) for line in lines]

    # WHEN it is totalled
    totals = order_totals(priced, currency)

    # THEN each total is the plain sum of the same rounded line amount
    assert totals.list_total == sum((line.list_amount for line in priced), D(0))
    assert totals.discount_total == sum((line.discount_amount for line in priced), D(0))
    assert totals.subtotal == sum((line.net_amount for line in priced), D(0))
    assert totals.tax_total == sum((line.tax_amount for line in priced), D(0))
    assert totals.total == sum((line.total_amount for line in priced), D(0))

    # AND the totals are consistent with each other and shown at the currency's places
    assert totals.subtotal == totals.list_total - totals.discount_total
    assert totals.total == totals.subtotal + totals.tax_total
    places = -minor_unit_exponent(currency)
    for total in (totals.list_total, totals.discount_total, totals.subtotal, totals.tax_total, totals.total):
        assert total.as_tuple().exponent == places


@st.composite
def non_increasing_ladders(draw: st.DrawFn) -> tuple[Tier, ...]:
    """Tiers whose unit prices never go up from one tier to the next, with no flat fees."""
    ladder = draw(tier_ladders())
    unit_prices = sorted((tier.unit_price for tier in ladder), reverse=True)

    return tuple(Tier(tier.up_to, price) for tier, price in zip(ladder, unit_prices, strict=True))


@MODEST
@given(tiers=non_increasing_ladders(), quantity=quantities)
def test_graduated_tiers_never_cost_more_than_the_first_tier_price(tiers: tuple[Tier, ...], quantity: int) -> None:
    # GIVEN tiers with non-increasing unit prices and no flat fees
    tiered = PriceSpec("TIERED", "MONTH", tiers=tiers)
    per_unit = PriceSpec("PER_UNIT", "MONTH", unit_price=tiers[0].unit_price)

    # WHEN the same quantity is priced graduated and at the first tier's price per unit
    graduated = period_list_amount(tiered, quantity)
    flat_rate = period_list_amount(per_unit, quantity)

    # THEN the graduated amount is never higher, and equal while the first tier holds all units
    assert graduated <= flat_rate
    if tiers[0].up_to is None or quantity <= tiers[0].up_to:
        assert graduated == flat_rate


@MODEST
@given(tiers=tier_ladders(), quantity=quantities)
def test_volume_prices_all_units_at_the_tier_the_quantity_falls_in(tiers: tuple[Tier, ...], quantity: int) -> None:
    # GIVEN any volume ladder and quantity
    price = PriceSpec("VOLUME", "MONTH", tiers=tiers)
    bounded = [tier for tier in tiers if tier.up_to is not None and quantity <= tier.up_to]
    tier = bounded[0] if bounded else tiers[-1]

    # WHEN one period is priced
    amount = period_list_amount(price, quantity)

    # THEN it is quantity x that tier's unit price plus that tier's flat fee, exactly
    assert amount == tier.unit_price * quantity + tier.flat_price


@MODEST
@given(unit_price=prices, quantity=quantities, currency=st.sampled_from(CURRENCIES))
def test_per_unit_amounts_are_exact_products(unit_price: Decimal, quantity: int, currency: str) -> None:
    # GIVEN a per-unit price on a one-time line
    price = PriceSpec("PER_UNIT", "ONE_TIME", unit_price=unit_price)

    # WHEN it is priced
    priced = price_line(LineInput(price, quantity, 1, JAN_1), currency, D(0))

    # THEN the list amount is the exact product, rounded once
    exact = Fraction(unit_price) * quantity
    assert Fraction(priced.list_amount) == half_up(exact, currency)


@pytest.mark.parametrize(
    ("unit_price", "quantity", "expected"),
    [
        ("0.1", 3, "0.30"),
        ("0.1", 10, "1.00"),
        ("41131.74", 3, "123395.22"),
        ("41131.74", 1000, "41131740.00"),
        ("1.005", 1, "1.01"),
        ("2.675", 1, "2.68"),
        ("0.0125", 100, "1.25"),
    ],
)
def test_amounts_that_floats_get_wrong_are_exact(unit_price: str, quantity: int, expected: str) -> None:
    # GIVEN amounts where binary floating point drifts (0.1 + 0.1 + 0.1, 1.005, 2.675 ...)
    price = PriceSpec("PER_UNIT", "ONE_TIME", unit_price=parse_money(unit_price))

    # WHEN they are priced in USD with float operations trapped in the caller's context
    with localcontext() as context:
        context.traps[FloatOperation] = True
        priced = price_line(LineInput(price, quantity, 1, JAN_1), "USD", D(0))

    # THEN the wire amount is the exact decimal result rounded half-up once
    assert str(priced.list_amount) == expected


@MODEST
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_parse_money_refuses_every_float(value: float) -> None:
    # GIVEN any float, even one that looks like a whole number of cents
    # WHEN it is parsed as money THEN it is a TypeError
    with pytest.raises(TypeError, match="must not be floats"):
        parse_money(value)  # type: ignore[arg-type]


class _FloatTrapType(type):
    """Recognises floats like ``float`` does, but refuses to make one."""

    def __instancecheck__(cls, instance: object) -> bool:
        return type(instance) is _REAL_FLOAT or isinstance(instance, _REAL_FLOAT)

    def __call__(cls, *args: object, **kwargs: object) -> object:
        raise AssertionError(f"float{args!r} was called")


class FloatTrap(metaclass=_FloatTrapType):
    """Stands in for the builtin ``float`` inside the pricing modules."""


_REAL_FLOAT = float


def test_no_float_is_made_while_pricing(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the name float, inside every pricing module, bound to a trap that refuses to convert
    for name in ("money", "calendar", "engine"):
        monkeypatch.setattr(getattr(pricing, name), "float", FloatTrap, raising=False)

    # WHEN money is parsed, an order priced and its totals formatted
    amount = parse_money("41131.74")
    price = PriceSpec("PER_UNIT", "QUARTER", unit_price=amount)
    priced = price_line(LineInput(price, 3, 5, JAN_1, D("12.5")), "USD", D("0.0825"))
    totals = order_totals([priced], "USD")

    # THEN no float was made: 41131.74 x 3 x 5 / 3 = 205658.70, less 12.5 % = 179951.36 net,
    # plus 8.25 % tax 14845.99 (14845.9872 rounded) = 194797.35
    assert pricing.format_money(totals.total, "USD") == "194797.35"

    # AND a float passed to parse_money is still recognised and refused
    with pytest.raises(TypeError, match="must not be floats"):
        parse_money(0.1)  # type: ignore[arg-type]


def test_the_pricing_modules_have_no_float_literal_or_float_call() -> None:
    # GIVEN the source of every pricing module
    package = Path(pricing.__file__).parent
    sources = sorted(package.glob("*.py"))
    assert {source.name for source in sources} >= {"money.py", "calendar.py", "engine.py"}

    # WHEN each is parsed
    found: list[str] = []
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                found.append(f"{source.name}:{node.lineno} float literal")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
                found.append(f"{source.name}:{node.lineno} float() call")

    # THEN there is none
    assert found == []


def test_the_caller_context_is_left_alone() -> None:
    # GIVEN the caller's decimal context
    before = getcontext().copy()

    # WHEN a line is priced
    price_line(LineInput(PriceSpec("FLAT", "QUARTER", unit_price=D("10.00")), 1, 5, JAN_1), "USD", D(0))

    # THEN its precision, rounding and traps are unchanged
    after = getcontext()
    assert (after.prec, after.rounding, after.traps) == (before.prec, before.rounding, before.traps)


# --- calendar properties ------------------------------------------------------------------


@MODEST
@given(
    anchor=start_dates,
    period=st.sampled_from(sorted(PERIOD_MONTHS)),
    index=st.integers(min_value=0, max_value=60),
)
def test_billing_periods_tile_without_gaps(anchor: date, period: str, index: int) -> None:
    # GIVEN any anchor, recurring period and index

    # WHEN this period and the next are computed
    start, end = billing_period(anchor, period, index)
    next_start, _ = billing_period(anchor, period, index + 1)

    # THEN the next period starts the day after this one ends
    assert anchor <= start <= end
    assert next_start == end + timedelta(days=1)

    # AND both ends of the period are found in it, and a term of whole periods ends with it
    assert billing_period_containing(anchor, period, start) == (index, start, end)
    assert billing_period_containing(anchor, period, end) == (index, start, end)
    assert term_end_date(anchor, (index + 1) * PERIOD_MONTHS[period]) == end
