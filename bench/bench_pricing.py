"""Benchmark: the pricing engine against the same Decimal arithmetic done inline.

Prices a mixed order (FLAT, PER_UNIT, TIERED and VOLUME lines on every billing period)
many times and reports microseconds per line for

* the baseline: the preview arithmetic written inline on Decimals, with no dataclasses, no
  validation, no local decimal context and no end dates (the minimum work), and
* the engine: ``price_line`` for each line, then ``order_totals``.

Timing uses ``time.perf_counter_ns`` so that every figure, like the money, stays an exact
int or Decimal. Run it with ``python bench/bench_pricing.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from order_activation.pricing import (
    PERIOD_MONTHS,
    LineInput,
    OrderTotals,
    PriceSpec,
    Tier,
    order_totals,
    price_line,
)

CURRENCY = "USD"
TAX_RATE = Decimal("0.0825")
CENT = Decimal("0.01")

GRADUATED = (Tier(10, Decimal("5.00")), Tier(100, Decimal("4.00"), Decimal("10.00")), Tier(None, Decimal("3.25")))
VOLUME = (Tier(10, Decimal("9.00")), Tier(50, Decimal("7.50"), Decimal("20.00")), Tier(None, Decimal("6.00")))

PRICES = (
    PriceSpec("FLAT", "MONTH", unit_price=Decimal("49.99")),
    PriceSpec("PER_UNIT", "MONTH", unit_price=Decimal("12.50")),
    PriceSpec("TIERED", "QUARTER", tiers=GRADUATED),
    PriceSpec("VOLUME", "YEAR", tiers=VOLUME),
    PriceSpec("PER_UNIT", "QUARTER", unit_price=Decimal("41131.74")),
    PriceSpec("FLAT", "ONE_TIME", unit_price=Decimal("250.00")),
    PriceSpec("TIERED", "MONTH", tiers=GRADUATED),
    PriceSpec("VOLUME", "QUARTER", tiers=VOLUME),
)
QUANTITIES = (1, 3, 7, 12, 15, 49, 51, 120, 1000)
TERMS = (1, 5, 12, 18, 24, 36)
DISCOUNTS = (Decimal(0), Decimal("7.5"), Decimal(10), Decimal("12.5"), Decimal(100))

BaselineLine = tuple[str, Decimal | None, tuple[tuple[int | None, Decimal, Decimal], ...], int, int, int, Decimal, bool]


def build_order(order_lines: int) -> list[LineInput]:
    """A deterministic mixed order: every model, period, term and discount appears."""
    return [
        LineInput(
            price=PRICES[number % len(PRICES)],
            quantity=QUANTITIES[number % len(QUANTITIES)],
            term_months=TERMS[number % len(TERMS)],
            start_date=date(2024, 1 + number % 12, 1 + number % 28),
            discount_percent=DISCOUNTS[number % len(DISCOUNTS)],
            taxable=number % 4 != 3,
        )
        for number in range(order_lines)
    ]


def engine_order(lines: list[LineInput]) -> OrderTotals:
    """Price the order with the engine."""
    priced = [price_line(line, CURRENCY, TAX_RATE) for line in lines]

    return order_totals(priced, CURRENCY)


def baseline_lines(lines: list[LineInput]) -> list[BaselineLine]:
    """The same order as plain tuples, prepared outside the timed loop."""
    return [
        (
            line.price.pricing_model,
            line.price.unit_price,
            tuple((tier.up_to, tier.unit_price, tier.flat_price) for tier in line.price.tiers),
            line.quantity,
            line.term_months,
            PERIOD_MONTHS.get(line.price.billing_period, 0),
            line.discount_percent / 100,
            line.taxable,
        )
        for line in lines
    ]


def baseline_order(lines: list[BaselineLine]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """Price the order with the preview arithmetic inline: the minimum work."""
    priced = []

    for model, unit_price, tiers, quantity, term_months, months, rate, taxable in lines:
        if model == "FLAT":
            period_list = unit_price or Decimal(0)
        elif model == "PER_UNIT":
            period_list = (unit_price or Decimal(0)) * quantity
        elif model == "VOLUME":
            _, price, flat = next(tier for tier in tiers if tier[0] is None or quantity <= tier[0])
            period_list = price * quantity + flat
        else:
            period_list = Decimal(0)
            below = 0
            for up_to, price, flat in tiers:
                top = quantity if up_to is None else min(up_to, quantity)
                if top <= below:
                    break
                period_list += price * (top - below) + flat
                below = top

        term_list = period_list if months == 0 else period_list * term_months / months

        period_amount = (period_list * (1 - rate)).quantize(CENT, ROUND_HALF_UP)
        list_amount = term_list.quantize(CENT, ROUND_HALF_UP)
        discount = (list_amount * rate).quantize(CENT, ROUND_HALF_UP)
        net = list_amount - discount
        tax = (net * TAX_RATE).quantize(CENT, ROUND_HALF_UP) if taxable else CENT * 0
        unit = (period_amount / quantity).quantize(CENT, ROUND_HALF_UP)
        priced.append((unit, period_list.quantize(CENT, ROUND_HALF_UP), period_amount, list_amount, discount, net, tax))

    list_total = sum((line[3] for line in priced), Decimal(0))
    discount_total = sum((line[4] for line in priced), Decimal(0))
    subtotal = sum((line[5] for line in priced), Decimal(0))
    tax_total = sum((line[6] for line in priced), Decimal(0))

    return list_total, discount_total, subtotal, tax_total, subtotal + tax_total


def best_time_ns(work: Callable[[], object], rounds: int) -> int:
    """The fastest of ``rounds`` timed runs, in nanoseconds."""
    best: int | None = None

    for _ in range(rounds):
        started = time.perf_counter_ns()
        work()
        elapsed = time.perf_counter_ns() - started
        best = elapsed if best is None else min(best, elapsed)

    assert best is not None
    return best


def run(*, rounds: int = 100, order_lines: int = 200) -> dict[str, object]:
    """Time the engine and the inline baseline on the same order; return the figures."""
    lines = build_order(order_lines)
    plain = baseline_lines(lines)

    engine_totals = engine_order(lines)
    baseline_totals = baseline_order(plain)
    engine_figures = (
        engine_totals.list_total,
        engine_totals.discount_total,
        engine_totals.subtotal,
        engine_totals.tax_total,
        engine_totals.total,
    )

    baseline_ns = best_time_ns(lambda: baseline_order(plain), rounds)
    engine_ns = best_time_ns(lambda: engine_order(lines), rounds)

    engine_us = (Decimal(engine_ns) / 1000 / order_lines).quantize(CENT)
    baseline_us = (Decimal(baseline_ns) / 1000 / order_lines).quantize(CENT)

    return {
        "lines": order_lines,
        "rounds": rounds,
        "baseline_us_per_line": baseline_us,
        "engine_us_per_line": engine_us,
        "ratio": (Decimal(engine_ns) / Decimal(baseline_ns)).quantize(CENT),
        "totals_match": engine_figures == baseline_totals,
        "order_total": engine_totals.total,
    }


def markdown(figures: dict[str, object]) -> str:
    """The figures as a small Markdown table."""
    rows = [
        f"Order of {figures['lines']} mixed lines, best of {figures['rounds']} rounds, "
        f"total {figures['order_total']} {CURRENCY} (baseline agrees: {figures['totals_match']})",
        "",
        "| path | µs per line | ratio |",
        "|---|---:|---:|",
        f"| baseline: inline Decimal arithmetic | {figures['baseline_us_per_line']} | 1.00 |",
        f"| engine: price_line + order_totals | {figures['engine_us_per_line']} | {figures['ratio']} |",
    ]

    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown(run()))
