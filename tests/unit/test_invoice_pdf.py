"""Invoice PDF: text that a reader can extract, pages, currencies, Unicode, determinism."""

from __future__ import annotations

import importlib.util
import io
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from order_activation.invoice_pdf import (
    FONT_DIR,
    InvoiceDocument,
    InvoiceLineView,
    Party,
    render_invoice_pdf,
)

SELLER = Party(
    name="Acme Cloud Services, Inc.",
    address_lines=("500 Market Street, Suite 1200", "San Francisco, CA 94105"),
    email="billing@acme.example",
    tax_id="US 94-1234567",
)
CUSTOMER = Party(
    name="Globex Corporation",
    address_lines=("1 Main Street", "Springfield"),
    email="ap@globex.example",
)


def line(description: str, quantity: int, unit_price: str, tax: str = "0") -> InvoiceLineView:
    price = Decimal(unit_price)
    return InvoiceLineView(
        description=description,
        quantity=quantity,
        unit_price=price,
        amount=price * quantity,
        tax_amount=Decimal(tax),
        period_start=date(2026, 1, 31),
        period_end=date(2026, 2, 27),
    )


def invoice(
    lines: tuple[InvoiceLineView, ...] | None = None,
    currency: str = "USD",
    **changes: Any,
) -> InvoiceDocument:
    lines = lines or (
        line("Pro plan, monthly subscription", 1, "1200.00", "96.00"),
        line("Additional seats", 3, "15.50", "3.72"),
    )
    subtotal = sum((item.amount for item in lines), Decimal(0))
    tax = sum((item.tax_amount for item in lines), Decimal(0))
    document = InvoiceDocument(
        invoice_number="INV-000001",
        status="ACTIVE",
        issue_date=date(2026, 1, 31),
        due_date=date(2026, 2, 14),
        seller=SELLER,
        customer=CUSTOMER,
        currency=currency,
        lines=lines,
        subtotal=subtotal,
        tax_total=tax,
        total=subtotal + tax,
        amount_due=subtotal + tax,
        po_number="PO-2026-0042",
        po_date=date(2026, 1, 20),
        order_number="ORD-000123",
        payment_url="https://pay.acme.example/i/inv_000001",
        payment_instructions="Pay by bank transfer, quoting the invoice number.",
    )
    return replace(document, **changes)


def pages_text(pdf: bytes) -> list[str]:
    """Text of each page with every kind of whitespace removed.

    pypdf puts spaces between CJK glyphs and keeps no-break spaces, so comparisons
    are made without whitespace.
    """
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_text_shows_number_descriptions_and_totals_in_currency() -> None:
    # GIVEN an invoice in USD with a long description that has to wrap
    long_description = (
        "Onboarding and implementation services, including data migration from the "
        "legacy billing platform and two remote training sessions for the finance team"
    )
    lines = (
        line("Pro plan, monthly subscription", 1, "1200.00", "96.00"),
        line(long_description, 2, "450.00", "72.00"),
    )
    document = invoice(lines)

    # WHEN it is rendered and its text extracted
    text = "".join(pages_text(render_invoice_pdf(document)))

    # THEN the number, every description, the period and the formatted totals are there
    assert "INV-000001" in text
    for item in lines:
        assert squash(item.description) in text
    assert squash("2026-01-31 \u2013 2026-02-27") in text
    for amount in ("$2,100.00", "$168.00", "$2,268.00", "$1,200.00", "$900.00"):
        assert amount in text
    assert "PO-2026-0042" in text
    assert "ORD-000123" in text


@pytest.mark.parametrize(
    "name",
    [
        "株式会社テスト",
        "北京测试有限公司",
        "주식회사 테스트",
        "Тестовая компания «Север»",
        "Ελληνική Εταιρεία Δοκιμών",
        "Société Générale Müller & Søn",
    ],
)
def test_customer_name_in_any_script_is_extractable(name: str) -> None:
    # GIVEN a customer whose name is not (only) in Latin script
    document = invoice(customer=replace(CUSTOMER, name=name, address_lines=(name,)))

    # WHEN the invoice is rendered
    text = pages_text(render_invoice_pdf(document))[0]

    # THEN the name comes back out of the PDF text
    assert squash(name) in text


def test_arabic_customer_name_keeps_its_words() -> None:
    # GIVEN an Arabic customer name
    name = "شركة الاختبار"
    document = invoice(customer=replace(CUSTOMER, name=name))
    shaping = importlib.util.find_spec("uharfbuzz") is not None

    # WHEN the invoice is rendered
    text = pages_text(render_invoice_pdf(document))[0]

    # THEN each word is extractable. With uharfbuzz the words are shaped and laid out
    # right to left, and come back as written (in either order). Without it the letters
    # stay unjoined in logical order, which pypdf reads back reversed.
    for word in name.split():
        assert (word if shaping else word[::-1]) in text


def test_long_invoice_breaks_across_pages_with_header_on_each() -> None:
    # GIVEN an invoice with 300 lines
    lines = tuple(line(f"Usage item {number:03d}", number, "1.25") for number in range(1, 301))
    document = invoice(lines)

    # WHEN it is rendered
    pages = pages_text(render_invoice_pdf(document))

    # THEN it takes several pages, each with the table header and a numbered footer
    assert len(pages) >= 5
    for number, text in enumerate(pages, start=1):
        for heading in ("Description", "Qty", "Unitprice", "Tax", "Amount"):
            assert heading in text
        assert f"InvoiceINV-000001·Page{number}of{len(pages)}" in text

    # AND every line appears exactly once, the totals on the last page
    everything = "".join(pages)
    for number in (1, 150, 300):
        assert everything.count(f"Usageitem{number:03d}") == 1
    assert "Amountdue" in pages[-1]


def test_draft_shows_draft_instead_of_a_number() -> None:
    # GIVEN a draft without an invoice number
    document = invoice(invoice_number=None, status="DRAFT")

    # WHEN it is rendered
    text = pages_text(render_invoice_pdf(document))[0]

    # THEN DRAFT is shown, the footer says so, and no number is invented
    assert "DRAFT" in text
    assert "Draftinvoice·Page1of1" in text
    assert "INV-" not in text


@pytest.mark.parametrize(
    ("currency", "unit_price", "pattern"),
    [
        ("JPY", "1000", r"¥1,000(?![.\d])"),
        ("KWD", "1.25", r"KWD1\.250(?!\d)"),
        ("EUR", "1200", r"€1,200\.00(?!\d)"),
    ],
)
def test_amounts_use_the_currency_minor_units(currency: str, unit_price: str, pattern: str) -> None:
    # GIVEN an invoice in a currency with 0, 3 or 2 decimals
    document = invoice((line("Widget", 1, unit_price),), currency=currency)

    # WHEN it is rendered
    text = pages_text(render_invoice_pdf(document))[0]

    # THEN amounts carry the currency symbol and exactly its minor units
    assert re.search(pattern, text)


def test_same_input_renders_identical_bytes() -> None:
    # GIVEN one invoice with mixed scripts
    document = invoice(customer=replace(CUSTOMER, name="株式会社テスト / Тестовая компания"))

    # WHEN it is rendered twice
    first = render_invoice_pdf(document)
    second = render_invoice_pdf(document)

    # THEN the bytes are identical and dated from the issue date
    assert first == second
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata is not None
    assert metadata.creation_date == datetime(2026, 1, 31, tzinfo=UTC)


def test_emoji_are_dropped_without_missing_glyphs(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN names and a description with emoji, a ZWJ sequence and a flag
    customer = replace(CUSTOMER, name="Globex 🚀 Corp 👩‍💻", address_lines=("Springfield 🇺🇸",))
    lines = (line("Support ✅ plan 😀", 1, "10.00"),)
    document = invoice(lines, customer=customer)

    # WHEN the invoice is rendered
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = render_invoice_pdf(document)

    # THEN fpdf2 reports no missing glyph and the emoji that no font covers are gone
    # (a few emoticons such as 😀 have a plain glyph in DejaVu Sans and may stay)
    assert not [record for record in caplog.records if "missing" in record.getMessage()]
    text = pages_text(pdf)[0]
    assert "GlobexCorp" in text
    assert "Springfield" in text
    assert "Supportplan" in text
    for emoji in ("🚀", "👩", "💻", "🇺", "✅"):
        assert emoji not in text


def test_payment_link_is_clickable() -> None:
    # GIVEN an invoice with a payment URL
    document = invoice()

    # WHEN it is rendered
    reader = PdfReader(io.BytesIO(render_invoice_pdf(document)))

    # THEN page 1 has a link annotation to that URL, and the URL is printed
    annotations = [ref.get_object() for ref in reader.pages[0].get("/Annots", [])]
    uris = {annotation["/A"]["/URI"] for annotation in annotations if "/A" in annotation}
    assert uris == {"https://pay.acme.example/i/inv_000001"}
    assert "Payonline" in squash(reader.pages[0].extract_text())


def test_letter_paper_and_unknown_paper() -> None:
    # GIVEN the same invoice on Letter paper and on an unsupported size
    letter = invoice(paper="Letter")
    unknown = invoice(paper="A3")

    # WHEN they are rendered
    page = PdfReader(io.BytesIO(render_invoice_pdf(letter))).pages[0]

    # THEN Letter is 612 x 792 pt and the unknown size is refused
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    with pytest.raises(ValueError, match="paper"):
        render_invoice_pdf(unknown)


def test_shipped_fonts_carry_licences_and_stay_small() -> None:
    # GIVEN the fonts folder of the package
    files = list(FONT_DIR.iterdir())

    # WHEN its content is listed
    names = {path.name for path in files}
    size = sum(path.stat().st_size for path in files)

    # THEN the licence texts are there and the folder stays under 25 MB
    assert {"OFL.txt", "LICENSE-DejaVu.txt", "README.md"} <= names
    assert size < 25 * 1024 * 1024
