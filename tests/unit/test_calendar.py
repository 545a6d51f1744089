"""Contract calendar: month arithmetic clamped to month end, terms and anchored billing periods."""

from __future__ import annotations

from datetime import date

import pytest

from order_activation.pricing import (
    PERIOD_MONTHS,
    add_months,
    billing_period,
    billing_period_containing,
    days_inclusive,
    term_end_date,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 12, 31), 1, date(2024, 1, 31)),
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2023, 5, 31), 1, date(2023, 6, 30)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 1, 15), 120, date(2034, 1, 15)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
        (date(2024, 1, 10), -13, date(2022, 12, 10)),
        (date(2023, 6, 15), 0, date(2023, 6, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    # GIVEN a date WHEN moved by whole calendar months THEN a missing day becomes the month end
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "term_months", "expected_end"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 27)),
        (date(2024, 1, 31), 1, date(2024, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2024, 2, 29), 48, date(2028, 2, 28)),
        (date(2023, 12, 31), 1, date(2024, 1, 30)),
        (date(2023, 12, 31), 12, date(2024, 12, 30)),
        (date(2024, 1, 1), 12, date(2024, 12, 31)),
        (date(2023, 11, 30), 3, date(2024, 2, 28)),
        (date(2024, 1, 15), 120, date(2034, 1, 14)),
        (date(2024, 1, 31), 120, date(2034, 1, 30)),
    ],
)
def test_term_end_date_is_the_day_before_the_next_term(start: date, term_months: int, expected_end: date) -> None:
    # GIVEN a term start and length

    # WHEN its end is computed
    end = term_end_date(start, term_months)

    # THEN it is the day before add_months(start, term_months): the next term starts the day after
    assert end == expected_end
    assert days_inclusive(end, add_months(start, term_months)) == 2


def test_term_end_date_needs_at_least_one_month() -> None:
    # GIVEN a zero-month term WHEN its end is asked for THEN it is refused
    with pytest.raises(ValueError, match="at least 1"):
        term_end_date(date(2024, 1, 1), 0)


def test_period_months() -> None:
    # GIVEN the billing periods THEN each has its number of months
    assert PERIOD_MONTHS == {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


JAN_31_2024_MONTHLY = [
    (date(2024, 1, 31), date(2024, 2, 28)),
    (date(2024, 2, 29), date(2024, 3, 30)),
    (date(2024, 3, 31), date(2024, 4, 29)),
    (date(2024, 4, 30), date(2024, 5, 30)),
    (date(2024, 5, 31), date(2024, 6, 29)),
    (date(2024, 6, 30), date(2024, 7, 30)),
    (date(2024, 7, 31), date(2024, 8, 30)),
    (date(2024, 8, 31), date(2024, 9, 29)),
    (date(2024, 9, 30), date(2024, 10, 30)),
    (date(2024, 10, 31), date(2024, 11, 29)),
    (date(2024, 11, 30), date(2024, 12, 30)),
    (date(2024, 12, 31), date(2025, 1, 30)),
    (date(2025, 1, 31), date(2025, 2, 27)),
]


def test_monthly_periods_anchored_on_jan_31_come_back_to_the_31st() -> None:
    # GIVEN a monthly subscription anchored on 2024-01-31 (a leap year)
    anchor = date(2024, 1, 31)

    # WHEN its first 13 periods are listed
    periods = [billing_period(anchor, "MONTH", index) for index in range(13)]

    # THEN each starts on the 31st or the month end, counted from the anchor, and they tile
    assert periods == JAN_31_2024_MONTHLY


@pytest.mark.parametrize(
    ("anchor", "period", "index", "expected"),
    [
        (date(2023, 1, 31), "MONTH", 0, (date(2023, 1, 31), date(2023, 2, 27))),
        (date(2023, 1, 31), "MONTH", 1, (date(2023, 2, 28), date(2023, 3, 30))),
        (date(2023, 1, 31), "MONTH", 2, (date(2023, 3, 31), date(2023, 4, 29))),
        (date(2023, 11, 30), "QUARTER", 0, (date(2023, 11, 30), date(2024, 2, 28))),
        (date(2023, 11, 30), "QUARTER", 1, (date(2024, 2, 29), date(2024, 5, 29))),
        (date(2023, 11, 30), "QUARTER", 3, (date(2024, 8, 30), date(2024, 11, 29))),
        (date(2024, 2, 29), "YEAR", 0, (date(2024, 2, 29), date(2025, 2, 27))),
        (date(2024, 2, 29), "YEAR", 1, (date(2025, 2, 28), date(2026, 2, 27))),
        (date(2024, 2, 29), "YEAR", 4, (date(2028, 2, 29), date(2029, 2, 27))),
        (date(2023, 12, 31), "MONTH", 2, (date(2024, 2, 29), date(2024, 3, 30))),
        (date(2024, 1, 1), "YEAR", 9, (date(2033, 1, 1), date(2033, 12, 31))),
    ],
)
def test_billing_period_bounds(anchor: date, period: str, index: int, expected: tuple[date, date]) -> None:
    # GIVEN an anchor and a billing period WHEN the index-th period is asked for THEN these are its days
    assert billing_period(anchor, period, index) == expected


@pytest.mark.parametrize(
    ("anchor", "period", "day", "expected"),
    [
        (date(2024, 1, 31), "MONTH", date(2024, 1, 31), (0, date(2024, 1, 31), date(2024, 2, 28))),
        (date(2024, 1, 31), "MONTH", date(2024, 2, 28), (0, date(2024, 1, 31), date(2024, 2, 28))),
        (date(2024, 1, 31), "MONTH", date(2024, 2, 29), (1, date(2024, 2, 29), date(2024, 3, 30))),
        (date(2024, 1, 31), "MONTH", date(2024, 3, 15), (1, date(2024, 2, 29), date(2024, 3, 30))),
        (date(2024, 1, 31), "MONTH", date(2024, 3, 30), (1, date(2024, 2, 29), date(2024, 3, 30))),
        (date(2024, 1, 31), "MONTH", date(2024, 3, 31), (2, date(2024, 3, 31), date(2024, 4, 29))),
        (date(2024, 1, 31), "MONTH", date(2025, 1, 30), (11, date(2024, 12, 31), date(2025, 1, 30))),
        (date(2024, 1, 31), "MONTH", date(2025, 1, 31), (12, date(2025, 1, 31), date(2025, 2, 27))),
        (date(2023, 11, 30), "QUARTER", date(2024, 2, 28), (0, date(2023, 11, 30), date(2024, 2, 28))),
        (date(2023, 11, 30), "QUARTER", date(2024, 2, 29), (1, date(2024, 2, 29), date(2024, 5, 29))),
        (date(2024, 2, 29), "YEAR", date(2025, 2, 27), (0, date(2024, 2, 29), date(2025, 2, 27))),
        (date(2024, 2, 29), "YEAR", date(2025, 2, 28), (1, date(2025, 2, 28), date(2026, 2, 27))),
        (date(2024, 1, 1), "YEAR", date(2034, 1, 1), (10, date(2034, 1, 1), date(2034, 12, 31))),
    ],
)
def test_billing_period_containing_on_boundaries(
    anchor: date,
    period: str,
    day: date,
    expected: tuple[int, date, date],
) -> None:
    # GIVEN a day on or next to a period boundary

    # WHEN the period containing it is found
    found = billing_period_containing(anchor, period, day)

    # THEN the first and last days both belong to their period
    assert found == expected
    assert found[1] <= day <= found[2]


def test_billing_period_containing_refuses_days_before_the_anchor() -> None:
    # GIVEN a day before the anchor WHEN its period is asked for THEN it is refused
    with pytest.raises(ValueError, match="before the billing anchor"):
        billing_period_containing(date(2024, 1, 31), "MONTH", date(2024, 1, 30))


@pytest.mark.parametrize("period", ["ONE_TIME", "WEEK", "month"])
def test_billing_periods_need_a_recurring_period(period: str) -> None:
    # GIVEN a period that does not recur in months WHEN periods are asked for THEN it is refused
    with pytest.raises(ValueError, match="billing period must be one of"):
        billing_period(date(2024, 1, 1), period, 0)

    with pytest.raises(ValueError, match="billing period must be one of"):
        billing_period_containing(date(2024, 1, 1), period, date(2024, 1, 1))


def test_billing_period_refuses_a_negative_index() -> None:
    # GIVEN a negative index WHEN a period is asked for THEN it is refused
    with pytest.raises(ValueError, match="must not be negative"):
        billing_period(date(2024, 1, 1), "MONTH", -1)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2024, 3, 1), date(2024, 3, 1), 1),
        (date(2024, 2, 1), date(2024, 2, 29), 29),
        (date(2023, 2, 1), date(2023, 2, 28), 28),
        (date(2024, 1, 1), date(2024, 12, 31), 366),
        (date(2023, 1, 1), date(2023, 12, 31), 365),
        (date(2024, 1, 31), date(2024, 2, 28), 29),
    ],
)
def test_days_inclusive_counts_both_ends(start: date, end: date, days: int) -> None:
    # GIVEN a date range WHEN its days are counted THEN the first and last day both count
    assert days_inclusive(start, end) == days


def test_days_inclusive_refuses_a_reversed_range() -> None:
    # GIVEN an end before the start WHEN days are counted THEN it is refused
    with pytest.raises(ValueError, match="before start"):
        days_inclusive(date(2024, 1, 2), date(2024, 1, 1))
