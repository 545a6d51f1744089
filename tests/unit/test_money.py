"""Money: minor units, HALF-UP rounding, the wire format and strict parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from order_activation.pricing import (
    InvalidMoneyError,
    UnknownCurrencyError,
    format_money,
    from_minor_units,
    minor_unit_exponent,
    parse_money,
    round_money,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)],
)
def test_minor_unit_exponent_follows_iso_4217(currency: str, exponent: int) -> None:
    # GIVEN a currency code WHEN its minor unit is looked up THEN it has the ISO 4217 places
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", "", "ZZZ", "U5D", "ÜSD"])
def test_minor_unit_exponent_refuses_unknown_codes(currency: str) -> None:
    # GIVEN a code that is not a known upper-case ISO 4217 code
    # WHEN its minor unit is looked up THEN it is refused as a ValueError
    with pytest.raises(UnknownCurrencyError):
        minor_unit_exponent(currency)

    assert issubclass(UnknownCurrencyError, ValueError)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "USD", "1.01"),
        ("2.675", "USD", "2.68"),
        ("1.00499999", "USD", "1.00"),
        ("12.3", "USD", "12.30"),
        ("0.125", "EUR", "0.13"),
        ("0.5", "JPY", "1"),
        ("2.5", "JPY", "3"),
        ("999.5", "JPY", "1000"),
        ("1000", "JPY", "1000"),
        ("1.0005", "KWD", "1.001"),
        ("1.2495", "KWD", "1.250"),
        ("1.25", "KWD", "1.250"),
        ("0.0045", "BHD", "0.005"),
        ("0.0044", "BHD", "0.004"),
        ("-0.005", "USD", "-0.01"),
        ("-0.004", "USD", "0.00"),
    ],
)
def test_round_money_is_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    # GIVEN an amount with more places than the currency has

    # WHEN it is rounded
    rounded = round_money(Decimal(amount), currency)

    # THEN halves go up (away from zero) and the result has exactly the minor unit's places
    assert str(rounded) == expected
    assert rounded.as_tuple().exponent == -minor_unit_exponent(currency)


def test_round_money_never_returns_negative_zero() -> None:
    # GIVEN a tiny negative amount WHEN it is rounded to cents THEN it is a plain zero
    rounded = round_money(Decimal("-0.001"), "USD")

    assert not rounded.is_signed()
    assert format_money(Decimal("-0.001"), "USD") == "0.00"


def test_round_money_refuses_floats_and_nan() -> None:
    # GIVEN values that are not finite Decimals WHEN rounded THEN they are refused
    with pytest.raises(TypeError):
        round_money(1.005, "USD")  # type: ignore[arg-type]

    with pytest.raises(InvalidMoneyError):
        round_money(Decimal("NaN"), "USD")

    with pytest.raises(InvalidMoneyError):
        round_money(Decimal("Infinity"), "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "wire"),
    [
        ("1200", "USD", "1200.00"),
        ("1200.004", "USD", "1200.00"),
        ("0.1", "EUR", "0.10"),
        ("1E+3", "USD", "1000.00"),
        ("0.0000001", "USD", "0.00"),
        ("123456789012.345", "USD", "123456789012.35"),
        ("1000", "JPY", "1000"),
        ("1E+3", "JPY", "1000"),
        ("1.25", "KWD", "1.250"),
        ("0.0005", "BHD", "0.001"),
    ],
)
def test_format_money_is_a_plain_string_at_minor_units(amount: str, currency: str, wire: str) -> None:
    # GIVEN an amount WHEN it is put on the wire THEN it has no exponent, grouping or symbol
    assert format_money(Decimal(amount), currency) == wire


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.30", "12.30"),
        (" 7 ", "7"),
        ("+5.5", "5.5"),
        (".5", "0.5"),
        ("1E+3", "1000"),
        ("1.5E-2", "0.015"),
        ("1.50000000", "1.500000"),
        ("999999999999.999999", "999999999999.999999"),
        ("0", "0"),
        ("-0", "0"),
        (42, "42"),
        (Decimal("0.1"), "0.1"),
    ],
)
def test_parse_money_accepts_decimal_text_ints_and_decimals(value: str | int | Decimal, expected: str) -> None:
    # GIVEN a decimal string, an int or a Decimal

    # WHEN it is parsed
    amount = parse_money(value)

    # THEN it is the same exact Decimal, with at most 6 places and never negative zero
    assert isinstance(amount, Decimal)
    assert str(amount) == expected


def test_parse_money_accepts_negatives_only_when_allowed() -> None:
    # GIVEN a negative amount WHEN negatives are allowed THEN it parses, otherwise it is refused
    assert parse_money("-5.25", allow_negative=True) == Decimal("-5.25")

    with pytest.raises(InvalidMoneyError, match="must not be negative"):
        parse_money("-5.25")

    with pytest.raises(InvalidMoneyError, match="must not be negative"):
        parse_money(Decimal("-0.01"))


@pytest.mark.parametrize("value", [0.1, 1.0, 0.0, float("nan"), float("inf"), True, None, [1], b"1"])
def test_parse_money_refuses_floats_and_other_types(value: object) -> None:
    # GIVEN a float (or anything that is not str, int or Decimal)
    # WHEN it is parsed THEN it is a TypeError: cents cannot be trusted to a float
    with pytest.raises(TypeError):
        parse_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("NaN", "plain decimal"),
        ("nan", "plain decimal"),
        ("sNaN", "plain decimal"),
        ("Infinity", "plain decimal"),
        ("-Infinity", "plain decimal"),
        ("inf", "plain decimal"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        ("", "plain decimal"),
        ("abc", "plain decimal"),
        ("1,000.00", "plain decimal"),
        ("1_000", "plain decimal"),
        ("12.3.4", "plain decimal"),
        ("$5", "plain decimal"),
        ("0x10", "plain decimal"),
        ("\u0661\u0662", "plain decimal"),
        ("1e13", "12 integer digits"),
        ("1234567890123", "12 integer digits"),
        (10**12, "12 integer digits"),
        ("1E+999999999", "12 integer digits"),
        ("0.1234567", "6 fractional digits"),
        ("1E-7", "6 fractional digits"),
        (Decimal("0.0000001"), "6 fractional digits"),
    ],
)
def test_parse_money_refuses_garbage_and_absurd_sizes(value: str | int | Decimal, reason: str) -> None:
    # GIVEN text that is not a sane money amount
    # WHEN it is parsed THEN it is refused with a message that says why
    with pytest.raises(InvalidMoneyError, match=reason):
        parse_money(value)

    assert issubclass(InvalidMoneyError, ValueError)


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        ("12.30", "USD", 1230),
        ("0.01", "EUR", 1),
        ("12.345", "USD", 1235),
        ("1000", "JPY", 1000),
        ("1.250", "KWD", 1250),
        ("0.001", "BHD", 1),
        ("-0.05", "USD", -5),
    ],
)
def test_to_minor_units_counts_cents_fils_and_yen(amount: str, currency: str, units: int) -> None:
    # GIVEN an amount WHEN it is converted for Stripe THEN it is an int of minor units
    converted = to_minor_units(Decimal(amount), currency)

    assert converted == units
    assert type(converted) is int


@pytest.mark.parametrize(
    ("units", "currency", "amount"),
    [(1230, "USD", "12.30"), (5, "USD", "0.05"), (-5, "USD", "-0.05"), (1000, "JPY", "1000"), (1250, "KWD", "1.250")],
)
def test_from_minor_units_gives_the_amount_at_its_places(units: int, currency: str, amount: str) -> None:
    # GIVEN minor units from Stripe WHEN converted back THEN the amount has the currency's places
    assert str(from_minor_units(units, currency)) == amount


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD", "BHD"])
def test_minor_units_round_trip(currency: str) -> None:
    # GIVEN every minor-unit count in a range WHEN converted to an amount and back THEN nothing moves
    for units in range(-2_000, 2_000, 7):
        amount = from_minor_units(units, currency)

        assert to_minor_units(amount, currency) == units
        assert round_money(amount, currency) == amount


def test_from_minor_units_refuses_non_ints() -> None:
    # GIVEN a float or a bool WHEN used as minor units THEN it is refused
    with pytest.raises(TypeError):
        from_minor_units(12.0, "USD")  # type: ignore[arg-type]

    with pytest.raises(TypeError):
        from_minor_units(True, "USD")
