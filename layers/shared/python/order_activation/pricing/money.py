"""Money as ``decimal.Decimal``: parsing, rounding to the minor unit and the wire format.

Every amount is a ``Decimal``; floats are refused at the boundary. Rounding is HALF-UP
(halves go away from zero) to the currency's minor unit as published by CLDR through babel.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

__all__ = [
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "InvalidMoneyError",
    "UnknownCurrencyError",
    "format_money",
    "from_minor_units",
    "minor_unit_exponent",
    "parse_money",
    "round_money",
    "to_minor_units",
]

MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 6

# Quantizing needs room for the integer digits plus the minor unit; 50 digits is ample and
# keeps rounding independent of whatever precision the caller's thread context carries.
_ROUNDING_CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP, traps=[InvalidOperation])

_FINEST_QUANTUM = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)

_CURRENCY_CODE = re.compile(r"[A-Z]{3}", re.ASCII)
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class UnknownCurrencyError(ValueError):
    """The currency is not a three-letter upper-case ISO 4217 code known to babel."""


class InvalidMoneyError(ValueError):
    """A money value is not a finite, reasonably sized decimal amount."""


@lru_cache(maxsize=512)
def minor_unit_exponent(currency: str) -> int:
    """Return the number of decimal places of the currency's minor unit.

    The rule: USD, EUR and GBP have 2, JPY has 0, KWD and BHD have 3 (CLDR data via babel).
    Codes that are not three upper-case letters, or that babel does not know, are refused.
    """
    if not isinstance(currency, str) or not _CURRENCY_CODE.fullmatch(currency):
        raise UnknownCurrencyError(
            f"currency must be a three-letter upper-case ISO 4217 code, got {currency!r}",
        )

    if currency not in _known_currencies():
        raise UnknownCurrencyError(f"unknown currency {currency!r}")

    return int(get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round an amount HALF-UP to the currency's minor unit.

    The result carries exactly the minor unit's decimal places: ``12.3`` USD is ``12.30``,
    ``999.5`` JPY is ``1000``, ``1.2495`` KWD is ``1.250``. Halves go away from zero, so
    ``-0.005`` USD is ``-0.01``; a result of zero is never negative.
    """
    _require_finite_decimal(amount, "amount")

    return _round_half_up(amount, _minor_unit_quantum(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Return the amount as an integer count of minor units (cents, fils, yen), as Stripe wants.

    The amount is first rounded HALF-UP to the minor unit: ``12.345`` USD is ``1235``.
    """
    rounded = round_money(amount, currency)

    return int(rounded.scaleb(minor_unit_exponent(currency), context=_ROUNDING_CONTEXT))


def from_minor_units(units: int, currency: str) -> Decimal:
    """Return the amount that an integer count of minor units stands for.

    ``1230`` USD is ``12.30``, ``1000`` JPY is ``1000``, ``1250`` KWD is ``1.250``.
    """
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError(f"minor units must be an int, got {type(units).__name__}")

    exponent = minor_unit_exponent(currency)

    return Decimal(units).scaleb(-exponent, context=_ROUNDING_CONTEXT)


def parse_money(value: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """Parse a money amount from a decimal string, an int or a Decimal.

    The rule: floats are refused (``TypeError``) because they cannot hold cents exactly.
    NaN, Infinity, text that is not a plain decimal number, more than 12 integer digits,
    more than 6 significant fractional digits and, unless ``allow_negative``, negative
    amounts are refused with ``InvalidMoneyError``. The value is not rounded; it comes back
    with between 0 and 6 decimal places (``"1E+3"`` gives ``1000``, ``"1.50000000"`` gives
    ``1.500000``) and zero is never negative.
    """
    amount = _to_decimal(value)

    if not amount.is_finite():
        raise InvalidMoneyError(f"money amount must be a finite number, got {value!r}")

    _check_size(amount, value)

    if amount.is_zero():
        amount = amount.copy_abs()
    elif amount.is_signed() and not allow_negative:
        raise InvalidMoneyError(f"money amount must not be negative, got {value!r}")

    exponent = _exponent(amount)
    if exponent > 0:
        return amount.quantize(Decimal(1), context=_ROUNDING_CONTEXT)
    if exponent < -MAX_FRACTION_DIGITS:
        return amount.quantize(_FINEST_QUANTUM, context=_ROUNDING_CONTEXT)
    return amount


def format_money(amount: Decimal, currency: str) -> str:
    """Return the API wire format: a plain decimal string at the currency's minor unit.

    No grouping, no symbol, no exponent: ``"1200.00"`` USD, ``"1000"`` JPY, ``"1.250"`` KWD.
    The amount is rounded HALF-UP first.
    """
    return format(round_money(amount, currency), "f")


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@lru_cache(maxsize=512)
def _minor_unit_quantum(currency: str) -> Decimal:
    """One minor unit of the currency: ``Decimal("0.01")`` for USD, ``Decimal("1")`` for JPY."""
    return Decimal(1).scaleb(-minor_unit_exponent(currency))


def _round_half_up(amount: Decimal, quantum: Decimal) -> Decimal:
    """The rounding rule itself, for callers in this package that have checked their amounts."""
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP, context=_ROUNDING_CONTEXT)

    if rounded.is_zero():
        return rounded.copy_abs()
    return rounded


def _require_finite_decimal(amount: object, name: str) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(amount).__name__}")

    if not amount.is_finite():
        raise InvalidMoneyError(f"{name} must be a finite number, got {amount!r}")


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money amounts must not be floats; pass a decimal string or a Decimal")

    if isinstance(value, Decimal):
        return value

    if isinstance(value, bool):
        raise TypeError("money amounts must not be booleans")

    if isinstance(value, int):
        return Decimal(value)

    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidMoneyError(f"money amount must be a plain decimal number, got {value!r}")
        return Decimal(text)

    raise TypeError(f"money amount must be a str, int or Decimal, got {type(value).__name__}")


def _check_size(amount: Decimal, value: object) -> None:
    if amount.is_zero():
        return

    integer_digits = max(amount.adjusted() + 1, 0)
    if integer_digits > MAX_INTEGER_DIGITS:
        raise InvalidMoneyError(
            f"money amount has more than {MAX_INTEGER_DIGITS} integer digits, got {value!r}",
        )

    digits = amount.as_tuple().digits
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    fraction_digits = max(-(_exponent(amount) + trailing_zeros), 0)
    if fraction_digits > MAX_FRACTION_DIGITS:
        raise InvalidMoneyError(
            f"money amount has more than {MAX_FRACTION_DIGITS} fractional digits, got {value!r}",
        )


def _exponent(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int):
        raise InvalidMoneyError(f"money amount must be a finite number, got {amount!r}")
    return exponent
