"""Pricing engine: the four pricing models, term value, discount, tax and order totals."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from order_activation.pricing import (
    LineInput,
    PricedLine,
    PriceSpec,
    PricingError,
    Tier,
    UnknownCurrencyError,
    order_totals,
    period_list_amount,
    price_line,
    validate_price_spec,
)

D = Decimal
JAN_1 = date(2024, 1, 1)

GRADUATED_TIERS = (Tier(10, D("5.00")), Tier(None, D("4.00"), D("10.00")))
VOLUME_TIERS = (Tier(10, D("5.00")), Tier(50, D("4.00"), D("20.00")), Tier(None, D("3.00")))


def amounts(line: PricedLine) -> dict[str, str]:
    """The line's amounts as wire strings, so a test states places as well as values."""
    return {
        "unit_price": str(line.unit_price),
        "period_list_amount": str(line.period_list_amount),
        "period_amount": str(line.period_amount),
        "list_amount": str(line.list_amount),
        "discount_amount": str(line.discount_amount),
        "net_amount": str(line.net_amount),
        "tax_amount": str(line.tax_amount),
        "total_amount": str(line.total_amount),
    }


# --- one billing period per pricing model -------------------------------------------------


def test_flat_price_ignores_the_quantity() -> None:
    # GIVEN a flat monthly price of 49.99
    price = PriceSpec("FLAT", "MONTH", unit_price=D("49.99"))

    # WHEN one period is priced for 1 or 7 units THEN it is 49.99 either way
    assert period_list_amount(price, 1) == D("49.99")
    assert period_list_amount(price, 7) == D("49.99")


def test_per_unit_price_multiplies_by_the_quantity() -> None:
    # GIVEN 12.50 per unit per month
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("12.50"))

    # WHEN one period is priced for 8 units THEN it is 8 x 12.50 = 100.00
    assert period_list_amount(price, 8) == D("100.00")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (1, "5.00"),
        (10, "50.00"),
        (11, "64.00"),
        (15, "80.00"),
    ],
)
def test_tiered_prices_each_unit_in_its_own_tier(quantity: int, expected: str) -> None:
    # GIVEN units 1-10 at 5.00 and units 11+ at 4.00 plus a 10.00 flat fee for that tier
    price = PriceSpec("TIERED", "MONTH", tiers=GRADUATED_TIERS)

    # WHEN one period is priced
    amount = period_list_amount(price, quantity)

    # THEN 10 units cost 10 x 5.00 = 50.00 (the second tier gets no unit, so no flat fee);
    # 11 units cost 50.00 + 1 x 4.00 + 10.00 = 64.00; 15 units cost 50 + 20 + 10 = 80.00
    assert amount == D(expected)


def test_tiered_with_three_tiers() -> None:
    # GIVEN 1.00 up to 100 units, 0.80 up to 1000, 0.50 above
    tiers = (Tier(100, D("1.00")), Tier(1000, D("0.80")), Tier(None, D("0.50")))
    price = PriceSpec("TIERED", "MONTH", tiers=tiers)

    # WHEN 1000 and 1500 units are priced
    # THEN 100 x 1.00 + 900 x 0.80 = 820.00, and 820.00 + 500 x 0.50 = 1070.00
    assert period_list_amount(price, 1000) == D("820.00")
    assert period_list_amount(price, 1500) == D("1070.00")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (1, "5.00"),
        (10, "50.00"),
        (11, "64.00"),
        (50, "220.00"),
        (51, "153.00"),
    ],
)
def test_volume_prices_every_unit_at_the_tier_the_quantity_falls_in(quantity: int, expected: str) -> None:
    # GIVEN 5.00 up to 10 units, 4.00 plus a 20.00 fee up to 50 units, 3.00 above
    price = PriceSpec("VOLUME", "MONTH", tiers=VOLUME_TIERS)

    # WHEN one period is priced
    amount = period_list_amount(price, quantity)

    # THEN 10 units: 10 x 5.00 = 50.00; 11 units: 11 x 4.00 + 20.00 = 64.00;
    # 50 units: 50 x 4.00 + 20.00 = 220.00; 51 units: 51 x 3.00 = 153.00
    assert amount == D(expected)


def test_period_list_amount_is_exact_and_unrounded() -> None:
    # GIVEN a unit price with four decimals
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("0.0125"))

    # WHEN 3 units are priced THEN the amount keeps every decimal: 0.0375, not 0.04
    assert str(period_list_amount(price, 3)) == "0.0375"


# --- one order line over its term ---------------------------------------------------------


def test_flat_line_over_twelve_months() -> None:
    # GIVEN a flat 49.99 a month for 7 seats over 12 months, no discount, no tax rate
    line = LineInput(PriceSpec("FLAT", "MONTH", unit_price=D("49.99")), 7, 12, JAN_1)

    # WHEN the line is priced
    priced = price_line(line, "USD", D(0))

    # THEN the term is 12 x 49.99 = 599.88 and the unit price is 49.99 / 7 = 7.1414... = 7.14
    assert amounts(priced) == {
        "unit_price": "7.14",
        "period_list_amount": "49.99",
        "period_amount": "49.99",
        "list_amount": "599.88",
        "discount_amount": "0.00",
        "net_amount": "599.88",
        "tax_amount": "0.00",
        "total_amount": "599.88",
    }
    assert priced.end_date == date(2024, 12, 31)
    assert priced.billing_periods == D(12)


def test_per_unit_line_with_discount_and_tax() -> None:
    # GIVEN 8 seats at 12.50 a month for 12 months, 15 % off, 8.25 % tax
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("12.50"))
    line = LineInput(price, 8, 12, JAN_1, discount_percent=D(15))

    # WHEN the line is priced
    priced = price_line(line, "USD", D("0.0825"))

    # THEN list 12 x 100.00 = 1200.00, discount 15 % = 180.00, net 1020.00,
    # tax 1020.00 x 0.0825 = 84.15, total 1104.15; per period 100.00 x 0.85 = 85.00,
    # and per unit 85.00 / 8 = 10.625, rounded half-up to 10.63
    assert amounts(priced) == {
        "unit_price": "10.63",
        "period_list_amount": "100.00",
        "period_amount": "85.00",
        "list_amount": "1200.00",
        "discount_amount": "180.00",
        "net_amount": "1020.00",
        "tax_amount": "84.15",
        "total_amount": "1104.15",
    }


def test_tiered_line_billed_quarterly() -> None:
    # GIVEN the graduated tiers for 15 units, billed quarterly for 12 months, 10 % off, 20 % tax
    price = PriceSpec("TIERED", "QUARTER", tiers=GRADUATED_TIERS)
    line = LineInput(price, 15, 12, date(2024, 1, 31), discount_percent=D(10))

    # WHEN the line is priced
    priced = price_line(line, "USD", D("0.20"))

    # THEN a quarter lists at 80.00; 4 quarters = 320.00, discount 32.00, net 288.00,
    # tax 57.60, total 345.60; a quarter after discount is 72.00, i.e. 4.80 a unit
    assert amounts(priced) == {
        "unit_price": "4.80",
        "period_list_amount": "80.00",
        "period_amount": "72.00",
        "list_amount": "320.00",
        "discount_amount": "32.00",
        "net_amount": "288.00",
        "tax_amount": "57.60",
        "total_amount": "345.60",
    }
    assert priced.billing_periods == D(4)
    assert priced.end_date == date(2025, 1, 30)


def test_volume_line_billed_yearly() -> None:
    # GIVEN 11 units on the volume tiers, billed yearly for 24 months, no discount, 10 % tax
    price = PriceSpec("VOLUME", "YEAR", tiers=VOLUME_TIERS)
    line = LineInput(price, 11, 24, JAN_1)

    # WHEN the line is priced
    priced = price_line(line, "USD", D("0.10"))

    # THEN a year lists at 11 x 4.00 + 20.00 = 64.00; 2 years = 128.00, tax 12.80, total 140.80
    assert priced.period_list_amount == D("64.00")
    assert priced.list_amount == D("128.00")
    assert priced.tax_amount == D("12.80")
    assert priced.total_amount == D("140.80")
    assert priced.unit_price == D("5.82")
    assert priced.end_date == date(2025, 12, 31)


def test_one_time_line_has_one_period_and_no_end_date() -> None:
    # GIVEN a one-time setup fee of 250.00 on a line whose contract term is 36 months
    price = PriceSpec("FLAT", "ONE_TIME", unit_price=D("250.00"))
    line = LineInput(price, 1, 36, JAN_1)

    # WHEN the line is priced with 10 % tax
    priced = price_line(line, "USD", D("0.10"))

    # THEN it is charged once, whatever the term: 250.00 + 25.00 tax = 275.00
    assert priced.billing_periods == D(1)
    assert priced.end_date is None
    assert priced.list_amount == D("250.00")
    assert priced.tax_amount == D("25.00")
    assert priced.total_amount == D("275.00")


def test_one_time_line_ignores_the_term() -> None:
    # GIVEN a one-time price on a line with no term at all
    price = PriceSpec("PER_UNIT", "ONE_TIME", unit_price=D("3.00"))

    # WHEN it is priced THEN the term is not checked and the amount is 4 x 3.00 = 12.00
    assert price_line(LineInput(price, 4, 0, JAN_1), "USD", D(0)).list_amount == D("12.00")


@pytest.mark.parametrize(
    ("period", "term_months", "period_list", "list_amount", "periods"),
    [
        ("QUARTER", 5, "10.00", "16.67", "1.666667"),
        ("QUARTER", 6, "10.00", "20.00", "2.000000"),
        ("YEAR", 7, "1000.00", "583.33", "0.583333"),
        ("YEAR", 18, "1000.00", "1500.00", "1.500000"),
        ("MONTH", 5, "10.00", "50.00", "5.000000"),
    ],
)
def test_partial_billing_periods_are_priced_pro_rata(
    period: str,
    term_months: int,
    period_list: str,
    list_amount: str,
    periods: str,
) -> None:
    # GIVEN a term that is not a whole number of billing periods
    price = PriceSpec("FLAT", period, unit_price=D(period_list))  # type: ignore[arg-type]
    line = LineInput(price, 1, term_months, JAN_1)

    # WHEN the line is priced
    priced = price_line(line, "USD", D(0))

    # THEN it lists at the period price x term months / months per period:
    # 10.00 x 5 / 3 = 16.666... = 16.67 and 1000.00 x 7 / 12 = 583.333... = 583.33
    assert str(priced.list_amount) == list_amount
    assert priced.billing_periods.quantize(D("0.000001")) == D(periods)


def test_the_term_division_is_done_last() -> None:
    # GIVEN 0.06 a year on a one-month term: exactly 0.06 x 1 / 12 = 0.005
    price = PriceSpec("FLAT", "YEAR", unit_price=D("0.06"))

    # WHEN the line is priced
    priced = price_line(LineInput(price, 1, 1, JAN_1), "USD", D(0))

    # THEN 0.005 rounds half-up to 0.01; multiplying by a rounded 1/12 would give
    # 0.0049999... and round down to 0.00
    assert priced.list_amount == D("0.01")
    assert (D("0.06") * (D(1) / D(12))).quantize(D("0.01")) == D("0.00")


def test_discount_is_rounded_half_up_per_line() -> None:
    # GIVEN 9.99 for one month with 12.5 % off
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("9.99"))
    line = LineInput(price, 1, 1, JAN_1, discount_percent=D("12.5"))

    # WHEN the line is priced
    priced = price_line(line, "USD", D(0))

    # THEN discount 9.99 x 0.125 = 1.24875 = 1.25, net 8.74; per period 9.99 x 0.875 = 8.74125 = 8.74
    assert priced.discount_amount == D("1.25")
    assert priced.net_amount == D("8.74")
    assert priced.period_amount == D("8.74")


def test_full_discount_leaves_nothing_to_tax() -> None:
    # GIVEN 2 units at 20.00 a month for 3 months, 100 % off, 20 % tax
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("20.00"))
    line = LineInput(price, 2, 3, JAN_1, discount_percent=D(100))

    # WHEN the line is priced
    priced = price_line(line, "USD", D("0.20"))

    # THEN the whole 120.00 is discounted and everything else is zero at two places
    assert priced.list_amount == D("120.00")
    assert priced.discount_amount == D("120.00")
    assert (str(priced.net_amount), str(priced.tax_amount), str(priced.total_amount)) == ("0.00", "0.00", "0.00")
    assert str(priced.unit_price) == "0.00"


def test_untaxable_line_has_a_rounded_zero_tax() -> None:
    # GIVEN an untaxable line of 30.00 a month for 2 months at a 20 % tax rate
    price = PriceSpec("FLAT", "MONTH", unit_price=D("30.00"))
    line = LineInput(price, 1, 2, JAN_1, taxable=False)

    # WHEN the line is priced
    priced = price_line(line, "USD", D("0.20"))

    # THEN no tax is charged, shown as 0.00, and the total is the net 60.00
    assert str(priced.tax_amount) == "0.00"
    assert priced.total_amount == D("60.00")


def test_jpy_line_has_no_decimals() -> None:
    # GIVEN 3 seats at 1250 yen a month for 12 months, 7.5 % off, 10 % tax
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D(1250))
    line = LineInput(price, 3, 12, JAN_1, discount_percent=D("7.5"))

    # WHEN the line is priced in JPY
    priced = price_line(line, "JPY", D("0.10"))

    # THEN list 12 x 3750 = 45000, discount 3375, net 41625, tax 4162.5 = 4163 (half up),
    # total 45788; per month 3750 x 0.925 = 3468.75 = 3469, per seat 3469 / 3 = 1156.33 = 1156
    assert amounts(priced) == {
        "unit_price": "1156",
        "period_list_amount": "3750",
        "period_amount": "3469",
        "list_amount": "45000",
        "discount_amount": "3375",
        "net_amount": "41625",
        "tax_amount": "4163",
        "total_amount": "45788",
    }


def test_kwd_line_has_three_decimals() -> None:
    # GIVEN 7 units at 12.345 dinars a quarter for 12 months, 3 % off, 5 % tax
    price = PriceSpec("PER_UNIT", "QUARTER", unit_price=D("12.345"))
    line = LineInput(price, 7, 12, JAN_1, discount_percent=D(3))

    # WHEN the line is priced in KWD
    priced = price_line(line, "KWD", D("0.05"))

    # THEN a quarter is 86.415; 4 quarters 345.660, discount 10.3698 = 10.370, net 335.290,
    # tax 16.7645 = 16.765 (half up), total 352.055; a quarter after discount 83.82255 = 83.823,
    # a unit 83.823 / 7 = 11.9747... = 11.975
    assert amounts(priced) == {
        "unit_price": "11.975",
        "period_list_amount": "86.415",
        "period_amount": "83.823",
        "list_amount": "345.660",
        "discount_amount": "10.370",
        "net_amount": "335.290",
        "tax_amount": "16.765",
        "total_amount": "352.055",
    }


# --- order totals -------------------------------------------------------------------------


def test_order_totals_add_up_the_lines() -> None:
    # GIVEN three priced lines
    seats = LineInput(PriceSpec("PER_UNIT", "MONTH", unit_price=D("12.50")), 8, 12, JAN_1, D(15))
    usage = LineInput(PriceSpec("TIERED", "QUARTER", tiers=GRADUATED_TIERS), 15, 12, JAN_1, D(10))
    setup = LineInput(PriceSpec("FLAT", "ONE_TIME", unit_price=D("250.00")), 1, 12, JAN_1)
    rates = (D("0.0825"), D("0.20"), D("0.10"))
    lines = [price_line(line, "USD", rate) for line, rate in zip((seats, usage, setup), rates, strict=True)]

    # WHEN the order is totalled
    totals = order_totals(lines, "USD")

    # THEN list 1200 + 320 + 250 = 1770.00, discount 180 + 32 = 212.00, subtotal 1558.00,
    # tax 84.15 + 57.60 + 25.00 = 166.75, total 1104.15 + 345.60 + 275.00 = 1724.75
    assert totals.list_total == D("1770.00")
    assert totals.discount_total == D("212.00")
    assert totals.subtotal == D("1558.00")
    assert totals.tax_total == D("166.75")
    assert totals.total == D("1724.75")


def test_order_tax_is_the_sum_of_rounded_line_taxes() -> None:
    # GIVEN three lines of 0.10 at 5 % tax: each line's tax is 0.005, rounded up to 0.01
    price = PriceSpec("FLAT", "ONE_TIME", unit_price=D("0.10"))
    lines = [price_line(LineInput(price, 1, 1, JAN_1), "USD", D("0.05")) for _ in range(3)]

    # WHEN the order is totalled
    totals = order_totals(lines, "USD")

    # THEN the tax total is 3 x 0.01 = 0.03, not 0.30 x 5 % = 0.015 rounded to 0.02
    assert totals.tax_total == D("0.03")
    assert totals.total == D("0.33")


@pytest.mark.parametrize(("currency", "zero"), [("USD", "0.00"), ("JPY", "0"), ("KWD", "0.000")])
def test_empty_order_totals_zero(currency: str, zero: str) -> None:
    # GIVEN no lines WHEN totalled THEN every total is zero at the currency's places
    totals = order_totals([], currency)

    assert {str(value) for value in all_totals(totals)} == {zero}


def test_order_totals_refuse_a_line_priced_in_another_currency() -> None:
    # GIVEN a line priced in KWD (three places)
    price = PriceSpec("FLAT", "MONTH", unit_price=D("1.005"))
    kwd_line = price_line(LineInput(price, 1, 1, JAN_1), "KWD", D(0))

    # WHEN it is totalled in USD THEN it is refused instead of silently rounded
    with pytest.raises(PricingError, match="not a whole number of USD minor units"):
        order_totals([kwd_line], "USD")


def all_totals(totals: object) -> list[Decimal]:
    """The five totals of an OrderTotals (a slots dataclass has no __dict__)."""
    names = ("list_total", "discount_total", "subtotal", "tax_total", "total")
    return [getattr(totals, name) for name in names]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "price",
    [
        PriceSpec("FLAT", "MONTH", unit_price=D(0)),
        PriceSpec("PER_UNIT", "ONE_TIME", unit_price=D("9.99")),
        PriceSpec("TIERED", "YEAR", tiers=(Tier(None, D(1)),)),
        PriceSpec("VOLUME", "QUARTER", tiers=VOLUME_TIERS),
    ],
)
def test_valid_prices_have_no_problems(price: PriceSpec) -> None:
    # GIVEN a well-formed price WHEN validated THEN nothing is reported
    assert validate_price_spec(price) == []


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        (PriceSpec("FLAT", "MONTH"), "FLAT unit_price must be a Decimal, got NoneType"),
        (PriceSpec("PER_UNIT", "MONTH", unit_price=9.99), "PER_UNIT unit_price must be a Decimal, got float"),  # type: ignore[arg-type]
        (PriceSpec("PER_UNIT", "MONTH", unit_price=D("-1")), "PER_UNIT unit_price must not be negative, got -1"),
        (PriceSpec("FLAT", "MONTH", unit_price=D("NaN")), "FLAT unit_price must be a finite number, got NaN"),
        (
            PriceSpec("FLAT", "MONTH", unit_price=D(1), tiers=(Tier(None, D(1)),)),
            "FLAT pricing takes no tiers, got 1",
        ),
        (PriceSpec("TIERED", "MONTH"), "TIERED pricing needs at least one tier"),
        (
            PriceSpec("VOLUME", "MONTH", unit_price=D(1), tiers=(Tier(None, D(1)),)),
            "VOLUME pricing takes its prices from the tiers; unit_price must be None",
        ),
        (
            PriceSpec("TIERED", "MONTH", tiers=(Tier(10, D(1)),)),
            "the last tier must have up_to None (no upper bound), got 10",
        ),
        (
            PriceSpec("TIERED", "MONTH", tiers=(Tier(None, D(1)), Tier(None, D(1)))),
            "tier 1 has up_to None but only the last tier may have it",
        ),
        (
            PriceSpec("TIERED", "MONTH", tiers=(Tier(10, D(1)), Tier(10, D(1)), Tier(None, D(1)))),
            "tier 2 up_to must be above the previous tier's 10, got 10",
        ),
        (
            PriceSpec("VOLUME", "MONTH", tiers=(Tier(0, D(1)), Tier(None, D(1)))),
            "tier 1 up_to must be at least 1, got 0",
        ),
        (
            PriceSpec("VOLUME", "MONTH", tiers=(Tier(5, D(1), D("-2")), Tier(None, D(1)))),
            "tier 1 flat_price must not be negative, got -2",
        ),
        (PriceSpec("SEAT", "MONTH", unit_price=D(1)), "pricing_model must be one of"),  # type: ignore[arg-type]
        (PriceSpec("FLAT", "WEEK", unit_price=D(1)), "billing_period must be one of"),  # type: ignore[arg-type]
    ],
)
def test_invalid_prices_are_explained(price: PriceSpec, problem: str) -> None:
    # GIVEN a malformed price

    # WHEN it is validated
    problems = validate_price_spec(price)

    # THEN the problem is reported in words
    assert any(found.startswith(problem) for found in problems), problems


def test_price_line_reports_every_problem_at_once() -> None:
    # GIVEN a line with a bad price, quantity, term, start date, discount and tax rate
    price = PriceSpec("PER_UNIT", "MONTH")
    line = LineInput(price, 0, 0, datetime(2024, 1, 1), discount_percent=D(101))

    # WHEN it is priced
    with pytest.raises(PricingError) as raised:
        price_line(line, "USD", D(20))

    # THEN each problem is listed and the error is a ValueError
    assert raised.value.problems == (
        "PER_UNIT unit_price must be a Decimal, got NoneType",
        "quantity must be at least 1, got 0",
        "term_months must be at least 1 for a recurring price, got 0",
        "start_date must be a date (not a datetime), got datetime",
        "discount_percent must be between 0 and 100, got 101",
        "tax_rate is a fraction between 0 and 1 (0.20 for 20 %), got 20",
    )
    assert isinstance(raised.value, ValueError)


def test_price_line_refuses_float_inputs() -> None:
    # GIVEN a float discount and a float tax rate
    price = PriceSpec("FLAT", "MONTH", unit_price=D(1))
    line = LineInput(price, 1, 1, JAN_1, discount_percent=0.5)  # type: ignore[arg-type]

    # WHEN the line is priced THEN both are refused
    with pytest.raises(PricingError) as raised:
        price_line(line, "USD", 0.2)  # type: ignore[arg-type]

    assert raised.value.problems == (
        "discount_percent must be a finite Decimal, got 0.5",
        "tax_rate must be a finite Decimal, got 0.2",
    )


def test_price_line_refuses_an_unknown_currency() -> None:
    # GIVEN a valid line WHEN priced in an unknown currency THEN it is refused
    line = LineInput(PriceSpec("FLAT", "MONTH", unit_price=D(1)), 1, 1, JAN_1)

    with pytest.raises(UnknownCurrencyError):
        price_line(line, "XYZ", D(0))


def test_period_list_amount_refuses_a_zero_quantity() -> None:
    # GIVEN a valid price WHEN priced for zero units THEN it is refused
    with pytest.raises(PricingError, match="quantity must be at least 1"):
        period_list_amount(PriceSpec("FLAT", "MONTH", unit_price=D(1)), 0)


def test_amounts_too_large_for_exact_arithmetic_are_refused() -> None:
    # GIVEN a 31-digit unit price and a 23-digit quantity (a 54-digit product)
    price = PriceSpec("PER_UNIT", "MONTH", unit_price=D("1.234567890123456789012345678901"))

    # WHEN one period is priced THEN it is refused rather than rounded
    with pytest.raises(PricingError, match="too large to be priced exactly"):
        period_list_amount(price, 12_345_678_901_234_567_890_123)


# --- the benchmark script still runs ------------------------------------------------------


def test_benchmark_runs_and_agrees_with_its_baseline() -> None:
    # GIVEN the benchmark script
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_pricing.py"
    spec = importlib.util.spec_from_file_location("bench_pricing", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    # WHEN it runs one short round
    figures = bench.run(rounds=1, order_lines=20)

    # THEN the engine and the inline baseline price the order to the same totals
    assert figures["lines"] == 20
    assert figures["totals_match"] is True
    assert figures["engine_us_per_line"] > 0
