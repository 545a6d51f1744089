"""Contract and billing calendar on UTC business dates (``datetime.date``).

Months are calendar months clamped to the month end. Billing periods are always counted
from the anchor date, never from the previous period, so a subscription anchored on the
31st bills on the last day of shorter months and comes back to the 31st afterwards.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

__all__ = [
    "PERIOD_MONTHS",
    "add_months",
    "billing_period",
    "billing_period_containing",
    "days_inclusive",
    "term_end_date",
]

PERIOD_MONTHS: Final[dict[str, int]] = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}

_ONE_DAY = timedelta(days=1)


def add_months(start: date, months: int) -> date:
    """Move a date by whole calendar months, clamping the day to the end of the month.

    Jan 31 + 1 month is Feb 28, or Feb 29 in a leap year; Feb 29 + 12 months is Feb 28.
    Negative month counts move backwards with the same clamping.
    """
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1

    day = min(start.day, _days_in_month(year, month))

    return date(year, month, day)


def term_end_date(start: date, term_months: int) -> date:
    """Return the last day of a term of ``term_months`` months starting on ``start``.

    The rule: the term ends on the day before ``add_months(start, term_months)``. A term that
    starts on the 31st ends on the day before the same day next month, clamped: a 1-month
    term from Jan 31 ends Feb 27 (Feb 28 in a leap year), and a 12-month term from
    2024-02-29 ends 2025-02-27 because the next term starts on 2025-02-28.
    """
    if term_months < 1:
        raise ValueError(f"term_months must be at least 1, got {term_months}")

    return add_months(start, term_months) - _ONE_DAY


def billing_period(anchor: date, billing_period: str, index: int) -> tuple[date, date]:
    """Return the first and last day of the ``index``-th (0-based) billing period.

    The rule: with ``n`` months per period, the period starts on
    ``add_months(anchor, index * n)`` and ends the day before
    ``add_months(anchor, (index + 1) * n)``, both counted from the anchor. Monthly periods
    anchored on Jan 31 start Jan 31, Feb 28 (29), Mar 31, Apr 30, May 31 ...
    """
    months = _months_per_period(billing_period)

    if index < 0:
        raise ValueError(f"billing period index must not be negative, got {index}")

    return _period_bounds(anchor, months, index)


def billing_period_containing(anchor: date, billing_period: str, day: date) -> tuple[int, date, date]:
    """Return the index, first day and last day of the billing period that contains ``day``.

    The rule: periods are counted from the anchor as in ``billing_period``; ``day`` must not
    be before the anchor. A period's first and last days both belong to it.
    """
    months = _months_per_period(billing_period)

    if day < anchor:
        raise ValueError(f"day {day.isoformat()} is before the billing anchor {anchor.isoformat()}")

    months_apart = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    index = months_apart // months

    while index > 0 and add_months(anchor, index * months) > day:
        index -= 1

    while add_months(anchor, (index + 1) * months) <= day:
        index += 1

    start, end = _period_bounds(anchor, months, index)

    return index, start, end


def days_inclusive(start: date, end: date) -> int:
    """Count the days from ``start`` to ``end``, both included (the same day counts 1)."""
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")

    return (end - start).days + 1


def _period_bounds(anchor: date, months: int, index: int) -> tuple[date, date]:
    start = add_months(anchor, index * months)
    end = add_months(anchor, (index + 1) * months) - _ONE_DAY

    return start, end


def _months_per_period(billing_period: str) -> int:
    try:
        return PERIOD_MONTHS[billing_period]
    except KeyError:
        known = ", ".join(PERIOD_MONTHS)
        raise ValueError(f"billing period must be one of {known}, got {billing_period!r}") from None


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31

    return (date(year, month + 1, 1) - date(year, month, 1)).days
