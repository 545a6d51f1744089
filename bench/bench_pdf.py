"""Benchmark of the invoice PDF renderer against a plain fpdf2 baseline.

Run with ``python bench/bench_pdf.py``. For 1, 50 and 300 invoice lines it renders
the invoice several times and reports the median time and the PDF size, next to a
baseline measured in the same run: an fpdf2 document with the same number of plain
text rows in a core font (no table layout, no embedded or fallback fonts).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from order_activation.invoice_pdf import InvoiceDocument, InvoiceLineView, Party, render_invoice_pdf

LINE_COUNTS = (1, 50, 300)
REPEATS = {1: 15, 50: 9, 300: 5}


def make_invoice(line_count: int, customer_name: str = "Globex Corporation") -> InvoiceDocument:
    """A realistic invoice: varied descriptions, service periods, tax, a PO and a payment link."""
    descriptions = (
        "Pro plan, monthly subscription",
        "Additional seats",
        "Onboarding and implementation services, including data migration from the legacy "
        "billing platform and two remote training sessions",
        "Priority support add-on",
    )
    lines = []
    for index in range(line_count):
        quantity = index % 5 + 1
        unit_price = Decimal("1200.00") if index % 2 == 0 else Decimal("15.50")
        lines.append(
            InvoiceLineView(
                description=f"{descriptions[index % 4]} #{index + 1}",
                quantity=quantity,
                unit_price=unit_price,
                amount=unit_price * quantity,
                tax_amount=(unit_price * quantity * Decimal("0.08")).quantize(Decimal("0.01")),
                period_start=date(2026, 1, 31),
                period_end=date(2026, 2, 27),
            )
        )

    subtotal = sum((line.amount for line in lines), Decimal(0))
    tax = sum((line.tax_amount for line in lines), Decimal(0))
    return InvoiceDocument(
        invoice_number="INV-000001",
        status="ACTIVE",
        issue_date=date(2026, 1, 31),
        due_date=date(2026, 2, 14),
        seller=Party("Acme Cloud Services, Inc.", ("500 Market Street", "San Francisco, CA 94105")),
        customer=Party(customer_name, ("1 Main Street", "Springfield"), "ap@globex.example"),
        currency="USD",
        lines=tuple(lines),
        subtotal=subtotal,
        tax_total=tax,
        total=subtotal + tax,
        amount_due=subtotal + tax,
        po_number="PO-2026-0042",
        po_date=date(2026, 1, 20),
        payment_url="https://pay.acme.example/i/inv_000001",
        payment_instructions="Pay by bank transfer, quoting the invoice number.",
    )


def render_baseline(document: InvoiceDocument) -> bytes:
    """The same rows as plain text lines in Helvetica: the floor fpdf2 itself costs."""
    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=9)
    pdf.add_page()
    pdf.cell(text=f"INVOICE {document.invoice_number}", new_x="LMARGIN", new_y="NEXT")
    for line in document.lines:
        row = f"{line.description}  {line.quantity}  {line.unit_price}  {line.tax_amount}  {line.amount}"
        pdf.cell(text=row, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=f"Total {document.total}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def measure(render: Callable[[InvoiceDocument], bytes], document: InvoiceDocument, repeats: int) -> tuple[float, int]:
    """Median milliseconds over ``repeats`` renders, and the size of the PDF in bytes."""
    timings = []
    size = 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = len(render(document))
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), size


def run() -> dict[str, Any]:
    """Measure every line count against the baseline; return the figures."""
    start = time.perf_counter()
    render_invoice_pdf(make_invoice(1))
    cold_ms = (time.perf_counter() - start) * 1000

    rows = []
    for count in LINE_COUNTS:
        document = make_invoice(count)
        invoice_ms, invoice_size = measure(render_invoice_pdf, document, REPEATS[count])
        baseline_ms, baseline_size = measure(render_baseline, document, REPEATS[count])
        rows.append(
            {
                "lines": count,
                "invoice_ms": round(invoice_ms, 1),
                "baseline_ms": round(baseline_ms, 1),
                "ratio": round(invoice_ms / baseline_ms, 1),
                "invoice_kib": round(invoice_size / 1024, 1),
                "baseline_kib": round(baseline_size / 1024, 1),
            }
        )

    japanese = make_invoice(1, customer_name="株式会社テスト")
    render_invoice_pdf(japanese)
    cjk_ms, cjk_size = measure(render_invoice_pdf, japanese, REPEATS[1])
    return {
        "rows": rows,
        "cold_first_render_ms": round(cold_ms, 1),
        "cjk_one_line_ms": round(cjk_ms, 1),
        "cjk_one_line_kib": round(cjk_size / 1024, 1),
    }


def markdown(results: dict[str, Any]) -> str:
    """The figures of ``run`` as a Markdown table with two notes."""
    table = [
        "| lines | invoice ms (median) | baseline ms (median) | ratio | invoice KiB | baseline KiB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["rows"]:
        table.append(
            f"| {row['lines']} | {row['invoice_ms']} | {row['baseline_ms']} | {row['ratio']}x"
            f" | {row['invoice_kib']} | {row['baseline_kib']} |"
        )

    notes = [
        f"First render in the process (font cache cold): {results['cold_first_render_ms']:.0f} ms.",
        f"1 line, Japanese customer (CJK font embedded): {results['cjk_one_line_ms']:.0f} ms,"
        f" {results['cjk_one_line_kib']} KiB.",
    ]
    return "\n".join([*table, "", *notes])


if __name__ == "__main__":
    print(markdown(run()))
