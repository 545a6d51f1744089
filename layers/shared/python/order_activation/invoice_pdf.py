"""Render an invoice as a PDF with fpdf2.

The public entry point is :func:`render_invoice_pdf`. It takes an
:class:`InvoiceDocument` (plain frozen dataclasses, no I/O) and returns the PDF bytes.

Fonts ship in the ``fonts/`` folder next to this module (see ``fonts/README.md``):
Noto Sans is the primary face; Arabic, Hebrew, Thai, Devanagari, a symbols face
(DejaVu Sans) and a CJK face are registered as fallbacks, and only when the document
contains characters that need them. Parsed fonts are cached per process, so a warm
AWS Lambda pays the parsing cost once. Characters that no shipped font covers
(emoji, for example) are dropped or replaced by ``?`` rather than printed as boxes.

The output is deterministic: the PDF creation date derives from the issue date, so
rendering the same document twice yields the same bytes.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Final

from babel import Locale
from babel.numbers import format_currency
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

try:
    import uharfbuzz  # noqa: F401  (only probed: fpdf2 imports it itself)
except ImportError:  # pragma: no cover - depends on the deployment
    _HAS_SHAPING = False
else:
    _HAS_SHAPING = True

__all__ = ["InvoiceDocument", "InvoiceLineView", "Party", "render_invoice_pdf"]


@dataclass(frozen=True, slots=True)
class Party:
    """A seller or customer as printed on the invoice."""

    name: str
    address_lines: tuple[str, ...]
    email: str | None = None
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    """One invoice line; money amounts are in the invoice currency."""

    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_amount: Decimal
    period_start: date | None
    period_end: date | None


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """Everything printed on one invoice PDF."""

    invoice_number: str | None
    status: str
    issue_date: date
    due_date: date
    seller: Party
    customer: Party
    currency: str
    lines: tuple[InvoiceLineView, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    amount_due: Decimal
    po_number: str | None = None
    po_date: date | None = None
    order_number: str | None = None
    payment_url: str | None = None
    payment_instructions: str | None = None
    paper: str = "A4"


# ---------------------------------------------------------------- fonts

FONT_DIR: Final = Path(__file__).with_name("fonts")

_PRIMARY: Final = "NotoSans"

# Families in fallback order, each mapping an fpdf2 style ("" or "B") to a file.
# DejaVu Sans (symbols) comes before the CJK faces so that a stray arrow or math sign
# in a Latin invoice does not pull in a large CJK font. Noto Sans CJK JP is split in
# three so that a document embeds from, and parses, only the part it needs: kana,
# CJK punctuation and the common JIS X 0208 / GB 2312 ideographs; Hangul; the rest.
_FAMILIES: Final[dict[str, dict[str, str]]] = {
    "NotoSans": {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf"},
    "NotoSansArabic": {"": "NotoSansArabic-Regular.ttf", "B": "NotoSansArabic-Bold.ttf"},
    "NotoSansHebrew": {"": "NotoSansHebrew-Regular.ttf", "B": "NotoSansHebrew-Bold.ttf"},
    "NotoSansThai": {"": "NotoSansThai-Regular.ttf", "B": "NotoSansThai-Bold.ttf"},
    "NotoSansDevanagari": {"": "NotoSansDevanagari-Regular.ttf"},
    "DejaVuSans": {"": "DejaVuSans.ttf"},
    "NotoSansCJK": {"": "NotoSansCJKjp-Core.ttf"},
    "NotoSansCJKHangul": {"": "NotoSansCJKjp-Hangul.ttf"},
    "NotoSansCJKExt": {"": "NotoSansCJKjp-Ext.ttf"},
}

# Scripts that only render correctly through the HarfBuzz shaping engine.
_SHAPED_FAMILIES: Final = frozenset({"NotoSansArabic", "NotoSansHebrew", "NotoSansThai", "NotoSansDevanagari"})

# Categories of uncovered characters that are dropped instead of replaced by "?":
# symbols (emoji), format controls, marks, surrogates, private use, unassigned.
_DROPPED_CATEGORIES: Final = frozenset({"So", "Sk", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Cc"})

# Joiners matter to Arabic and Indic shaping; every other format control is dropped.
_KEPT_FORMAT_CHARS: Final = frozenset({"\u200c", "\u200d"})


@functools.cache
def _coverage(filename: str) -> frozenset[int]:
    """Code points of one font file, read from its cmap only (cheap, cached)."""
    font = ttLib.TTFont(FONT_DIR / filename, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@functools.lru_cache(maxsize=8192)
def _family_for(code_point: int) -> str | None:
    """First family, primary included, whose regular face has a glyph for the code point."""
    for family, faces in _FAMILIES.items():
        if code_point in _coverage(faces[""]):
            return family
    return None


@functools.cache
def _prototype(family: str, style: str) -> TTFFont:
    """Parse a font once per process; documents receive light copies of it."""
    scratch = FPDF()
    scratch.add_font(family, style, str(FONT_DIR / _FAMILIES[family][style]))
    font = scratch.fonts[f"{family.lower()}{style}"]
    assert isinstance(font, TTFFont)

    if _HAS_SHAPING:
        font.hbfont  # noqa: B018  (loads the HarfBuzz face once, shared by copies)
    font.ttfont.close()  # copies open their own; fpdf2 subsets that one in place
    return font


def _attach_font(pdf: FPDF, family: str, style: str) -> None:
    """Register a cached font on a document without parsing the file again.

    fpdf2 subsets ``ttfont`` in place when it writes the PDF, and writes its name
    and object id into ``desc``; those get fresh objects. The cmap, widths and glyph
    ids are read-only after parsing and are shared with the cached prototype.
    """
    proto = _prototype(family, style)
    font = copy.copy(proto)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(proto.ttffile, recalcTimestamp=False, lazy=True)
    font.desc = copy.copy(proto.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[proto.fontkey] = font


# ---------------------------------------------------------------- text


def _clean(text: str, *, multiline: bool = False) -> str:
    """Normalise text and remove what no shipped font can draw.

    Uncovered emoji, symbols and control characters are dropped; other uncovered
    characters (letters of a script without a shipped font) become ``?``.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")

    kept: list[str] = []
    for char in text:
        if char == "\n" and multiline:
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif _is_invisible(char):
            continue
        elif _family_for(ord(char)) is not None:
            kept.append(char)
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append("?")

    lines = (_tidy(line) for line in "".join(kept).split("\n"))
    return "\n".join(lines).strip("\n")


def _is_invisible(char: str) -> bool:
    """Control and format characters and variation selectors, except the joiners."""
    if char in _KEPT_FORMAT_CHARS:
        return False
    code_point = ord(char)
    selector = 0xFE00 <= code_point <= 0xFE0F or 0xE0100 <= code_point <= 0xE01EF
    return selector or unicodedata.category(char) in ("Cc", "Cf")


def _tidy(line: str) -> str:
    """Drop joiners left at word edges (by a removed emoji) and repeated spaces."""
    line = re.sub(r"(^| )[\u200c\u200d]+|[\u200c\u200d]+(?= |$)", r"\1", line)
    return re.sub(r" {2,}", " ", line).strip()


def _clean_optional(text: str | None) -> str | None:
    if text is None:
        return None
    return _clean(text) or None


def _clean_party(party: Party) -> Party:
    lines = tuple(line for line in (_clean(raw) for raw in party.address_lines) if line)
    return Party(
        name=_clean(party.name),
        address_lines=lines,
        email=_clean_optional(party.email),
        tax_id=_clean_optional(party.tax_id),
    )


def _clean_document(document: InvoiceDocument) -> InvoiceDocument:
    lines = tuple(replace(line, description=_clean(line.description, multiline=True)) for line in document.lines)
    instructions = _clean(document.payment_instructions or "", multiline=True)
    return replace(
        document,
        invoice_number=_clean_optional(document.invoice_number),
        status=document.status.strip().upper(),
        seller=_clean_party(document.seller),
        customer=_clean_party(document.customer),
        currency=document.currency.strip().upper(),
        lines=lines,
        po_number=_clean_optional(document.po_number),
        order_number=_clean_optional(document.order_number),
        payment_url=_clean_optional(document.payment_url),
        payment_instructions=instructions or None,
    )


_LOCALE: Final = Locale.parse("en_US")


def _money(amount: Decimal, currency: str) -> str:
    """Amount in the currency's symbol and minor units, e.g. $1,200.00, ¥1,000, KWD 1.250.

    babel writes a letter symbol straight against the digits ("KWD1.250"); CLDR's
    currency spacing asks for a space there, so a no-break space is inserted.
    """
    text = format_currency(amount, currency, locale=_LOCALE)
    return _clean(re.sub(r"(?<=[^\W\d_])(?=\d)", "\u00a0", text, count=1))


_EN_DASH: Final = "\u2013"


def _iso(day: date) -> str:
    return day.isoformat()


def _period(line: InvoiceLineView) -> str | None:
    if line.period_start and line.period_end:
        return f"{_iso(line.period_start)} {_EN_DASH} {_iso(line.period_end)}"
    if line.period_start:
        return f"From {_iso(line.period_start)}"
    if line.period_end:
        return f"Until {_iso(line.period_end)}"
    return None


def _primary_only(text: str) -> bool:
    primary = _coverage(_FAMILIES[_PRIMARY][""])
    return all(ord(char) in primary for char in text)


def _needed_families(texts: Iterable[str]) -> list[str]:
    """Fallback families, in fallback order, that the given texts need."""
    used = {_family_for(ord(char)) for text in texts for char in set(text)}
    return [family for family in _FAMILIES if family in used and family != _PRIMARY]


# ---------------------------------------------------------------- layout

_INK: Final = (31, 41, 55)
_MUTED: Final = (107, 114, 128)
_RULE: Final = (229, 231, 235)
_BAND: Final = (243, 244, 246)
_ACCENT: Final = (30, 64, 175)
_WHITE: Final = (255, 255, 255)
_BADGES: Final = {
    "DRAFT": ((146, 64, 14), (254, 243, 199)),
    "CANCELED": ((153, 27, 27), (254, 226, 226)),
    "CANCELLED": ((153, 27, 27), (254, 226, 226)),
}
_WATERMARK: Final = (243, 244, 246)

_MARGIN: Final = 16.0
_BOTTOM: Final = 20.0
_PAD_X: Final = 2.0
_PAD_Y: Final = 2.2
_BODY: Final = 9.0
_SMALL: Final = 7.5
_LH_BODY: Final = 4.4
_LH_SMALL: Final = 3.8
_HEADINGS: Final = ("Description", "Qty", "Unit price", "Tax", "Amount")
_MIN_NUMERIC_WIDTH: Final = (12.0, 22.0, 20.0, 24.0)
_PAPERS: Final = {"A4": "A4", "LETTER": "Letter"}


@dataclass(frozen=True, slots=True)
class _Row:
    description: str
    period: str | None
    numbers: tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    size: float
    height: float
    color: tuple[int, int, int]


class _InvoicePDF(FPDF):
    """An fpdf2 document that knows how to lay out one invoice."""

    def __init__(self, document: InvoiceDocument, paper: str) -> None:
        super().__init__(orientation="P", unit="mm", format=paper)
        self.doc = document
        self.label = document.invoice_number or "DRAFT"
        self.col_widths: tuple[float, ...] = ()

    # ------------------------------------------------ helpers

    @property
    def usable_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        """Select the primary font and a colour before drawing text.

        Resetting ``current_font_is_set_on_page`` makes fpdf2 emit the font again in
        the next text object. Without it, text that starts with a fallback glyph sets
        the page font inside a ``q``/``Q`` pair, the font is lost when the pair
        closes, and the next text is drawn with the wrong font (fpdf2 issue #1772).
        """
        self.set_font(_PRIMARY, "B" if bold else "", size)
        self.set_text_color(*color)
        self.current_font_is_set_on_page = False

    def put(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """One line of text in a box, vertically centred like ``cell``.

        Text that the primary font covers on its own goes through ``text``, which
        is about twice as fast as ``cell``; anything needing fallback fonts, text
        shaping or letter spacing goes through ``cell``.
        """
        if self.text_shaping or self.char_spacing or not _primary_only(text):
            self.set_xy(x, y)
            self.cell(w, h, text, align=align)
            return

        if align != "L":
            width = self.get_string_width(text)
            x += w - width if align == "R" else (w - width) / 2
        self.text(x, y + h / 2 + 0.3 * self.font_size, text)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap in the current font.

        Measures each word once, which is an order of magnitude faster than a
        ``multi_cell`` dry run on long tables. Words wider than the line, such as
        URLs or CJK runs without spaces, are broken between characters.
        """
        space = self.get_string_width(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_width = "", 0.0
            for word in paragraph.split(" "):
                word_width = self.get_string_width(word)
                if word_width > width:
                    *full, word = self.break_word(word, width)
                    if line:
                        lines.append(line)
                    lines.extend(full)
                    line, line_width = word, self.get_string_width(word)
                elif line and line_width + space + word_width > width:
                    lines.append(line)
                    line, line_width = word, word_width
                else:
                    line_width += (space if line else 0) + word_width
                    line = f"{line} {word}" if line else word
            lines.append(line)
        return lines

    def break_word(self, word: str, width: float) -> list[str]:
        pieces, piece, piece_width = [], "", 0.0
        for char in word:
            char_width = self.get_string_width(char)
            if piece and piece_width + char_width > width:
                pieces.append(piece)
                piece, piece_width = "", 0.0
            piece += char
            piece_width += char_width
        pieces.append(piece)
        return pieces

    def paragraph(self, x: float, y: float, w: float, line_height: float, text: str) -> float:
        """Draw wrapped text in the current style, one text object per line.

        One ``multi_cell`` would put every line in the same font state, which breaks
        on fpdf2 issue #1772 when a line starts with a fallback glyph (see ``style``).
        Returns the y below the last line.
        """
        for line in self.wrap(text, w):
            self.current_font_is_set_on_page = False
            self.put(x, y, w, line_height, line)
            y += line_height
        return y

    def rule(self, y: float, color: tuple[int, int, int] = _RULE, width: float = 0.2) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    def label_text(self, x: float, y: float, w: float, text: str, align: str = "L") -> None:
        self.style(6.8, bold=True, color=_MUTED)
        self.set_char_spacing(0.6)
        self.put(x, y, w, 3.5, text.upper(), align)
        self.set_char_spacing(0)

    # ------------------------------------------------ page furniture

    def header(self) -> None:
        badge = _BADGES.get(self.doc.status)
        if badge is not None:
            self.watermark(self.doc.status)
        if self.page_no() > 1:
            self.continuation_header()

    def watermark(self, text: str) -> None:
        self.style(96, bold=True, color=_WATERMARK)
        x_mid, y_mid = self.w / 2, self.h / 2
        width = self.get_string_width(text)
        with self.rotation(35, x_mid, y_mid):
            self.text(x_mid - width / 2, y_mid + 12, text)

    def continuation_header(self) -> None:
        top = self.t_margin
        half = self.usable_width / 2
        self.style(9, bold=True)
        self.put(self.l_margin, top, half, 5, self.doc.seller.name)
        self.style(8.5, color=_MUTED)
        self.put(self.l_margin + half, top, half, 5, f"Invoice {self.label} (continued)", "R")
        self.rule(top + 7.5)
        self.set_y(top + 11)

    def footer(self) -> None:
        top = self.h - _BOTTOM + 8
        self.rule(top - 2)
        half = self.usable_width / 2
        self.style(_SMALL, color=_MUTED)
        self.put(self.l_margin, top, half, 4, self.doc.seller.name)
        title = f"Invoice {self.label}" if self.doc.invoice_number else "Draft invoice"
        page = f"{title} · Page {self.page_no()} of {self.str_alias_nb_pages}"
        self.set_xy(self.l_margin + half, top)
        self.cell(half, 4, page, align="R")  # cell, not text(): only cell fills in the page count

    # ------------------------------------------------ first-page blocks

    def party_block(self, x: float, y: float, w: float, party: Party, name_size: float) -> float:
        self.style(name_size, bold=True)
        y = self.paragraph(x, y, w, name_size * 0.5, party.name)

        details = list(party.address_lines)
        if party.email:
            details.append(party.email)
        if party.tax_id:
            details.append(f"Tax ID: {party.tax_id}")
        self.style(8.5, color=(75, 85, 99))
        for line in details:
            y = self.paragraph(x, y, w, 4.1, line)
        return y

    def meta_rows(self) -> list[tuple[str, str]]:
        doc = self.doc
        rows = [
            ("Invoice number", self.label),
            ("Issue date", _iso(doc.issue_date)),
            ("Due date", _iso(doc.due_date)),
        ]
        if doc.po_number:
            rows.append(("PO number", doc.po_number))
        if doc.po_date:
            rows.append(("PO date", _iso(doc.po_date)))
        if doc.order_number:
            rows.append(("Order number", doc.order_number))
        return rows

    def title_block(self, x: float, y: float, w: float) -> float:
        self.style(22, bold=True, color=_ACCENT)
        self.set_char_spacing(1.2)
        self.put(x, y - 1, w, 10, "INVOICE", "R")
        self.set_char_spacing(0)

        badge = _BADGES.get(self.doc.status)
        if badge is not None:
            self.badge(x + w - self.get_title_width() - 4, y + 1.8, self.doc.status, *badge)

        row_y = y + 13
        for label, value in self.meta_rows():
            self.style(8.5, color=_MUTED)
            self.put(x, row_y, w * 0.45, 4.6, label)
            highlight = value == "DRAFT" and not self.doc.invoice_number
            self.style(8.5, bold=True, color=_BADGES["DRAFT"][0] if highlight else _INK)
            self.put(x + w * 0.45, row_y, w * 0.55, 4.6, value, "R")
            row_y += 4.9
        return row_y

    def get_title_width(self) -> float:
        self.style(22, bold=True)
        self.set_char_spacing(1.2)
        width = self.get_string_width("INVOICE")
        self.set_char_spacing(0)
        return width

    def badge(self, right: float, y: float, text: str, ink: tuple[int, int, int], fill: tuple[int, int, int]) -> None:
        self.style(7.5, bold=True, color=ink)
        self.set_char_spacing(0.8)
        width = self.get_string_width(text) + 5
        self.set_fill_color(*fill)
        self.rect(right - width, y, width, 5.6, style="F", round_corners=True, corner_radius=1.4)
        self.put(right - width, y, width, 5.6, text, "C")
        self.set_char_spacing(0)

    def amount_due_box(self, x: float, y: float, w: float) -> float:
        height = 22.0
        self.set_fill_color(*_BAND)
        self.rect(x, y, w, height, style="F", round_corners=True, corner_radius=1.5)

        self.label_text(x + 4, y + 3.5, w - 8, "Amount due")
        self.style(16, bold=True)
        self.put(x + 4, y + 8, w - 8, 7.5, _money(self.doc.amount_due, self.doc.currency))
        self.style(8, color=_MUTED)
        self.put(x + 4, y + 16, w - 8, 4, f"Due {_iso(self.doc.due_date)}")
        return y + height

    def first_page(self) -> None:
        left_w = self.usable_width * 0.5
        right_w = 78.0
        right_x = self.w - self.r_margin - right_w
        top = self.t_margin

        seller_end = self.party_block(self.l_margin, top, left_w, self.doc.seller, 13)
        title_end = self.title_block(right_x, top, right_w)

        band_y = max(seller_end, title_end) + 6
        self.rule(band_y)

        self.label_text(self.l_margin, band_y + 6, left_w, "Bill to")
        customer_end = self.party_block(self.l_margin, band_y + 11, left_w, self.doc.customer, 10.5)
        box_end = self.amount_due_box(right_x, band_y + 6, right_w)

        self.set_y(max(customer_end, box_end) + 9)

    # ------------------------------------------------ line items

    def table_header(self) -> None:
        y = self.get_y()
        self.set_fill_color(*_BAND)
        self.rect(self.l_margin, y, self.usable_width, 7, style="F")
        self.style(7.8, bold=True, color=(75, 85, 99))
        x = self.l_margin
        for index, (heading, width) in enumerate(zip(_HEADINGS, self.col_widths, strict=True)):
            align = "L" if index == 0 else "R"
            self.put(x + _PAD_X, y, width - 2 * _PAD_X, 7, heading, align)
            x += width
        self.set_y(y + 7)

    def measure_columns(self, rows: list[_Row]) -> None:
        numeric: list[float] = []
        for index, minimum in enumerate(_MIN_NUMERIC_WIDTH):
            self.style(7.8, bold=True)
            widest = self.get_string_width(_HEADINGS[index + 1])
            self.style(_BODY)
            for text in {row.numbers[index] for row in rows}:
                widest = max(widest, self.get_string_width(text))
            numeric.append(max(minimum, widest + 2 * _PAD_X + 1))
        self.col_widths = (self.usable_width - sum(numeric), *numeric)

    def row_pieces(self, row: _Row) -> list[_Piece]:
        self.style(_BODY)
        text_width = self.col_widths[0] - 2 * _PAD_X
        pieces = [_Piece(line, _BODY, _LH_BODY, _INK) for line in self.wrap(row.description, text_width)]
        if row.period:
            pieces.append(_Piece(row.period, _SMALL, _LH_SMALL, _MUTED))
        return pieces

    def room(self) -> float:
        return self.page_break_trigger - self.get_y()

    def continue_table(self) -> None:
        self.add_page()
        self.table_header()

    def draw_row(self, row: _Row) -> None:
        pieces = self.row_pieces(row)
        height = 2 * _PAD_Y + sum(piece.height for piece in pieces)
        capacity = self.page_break_trigger - self.t_margin - 11 - 7
        few_lines = 2 * _PAD_Y + 3 * _LH_BODY
        if height > self.room() and (height <= capacity or self.room() < few_lines):
            self.continue_table()

        first = True
        remaining = pieces
        while remaining:
            top = self.get_y()
            y = top + _PAD_Y
            fitted = 0
            for piece in remaining:
                if fitted and y + piece.height + _PAD_Y > self.page_break_trigger:
                    break
                self.style(piece.size, color=piece.color)
                self.put(self.l_margin + _PAD_X, y, self.col_widths[0] - 2 * _PAD_X, piece.height, piece.text)
                y += piece.height
                fitted += 1
            if first:
                self.draw_numbers(row, top + _PAD_Y)
                first = False
            remaining = remaining[fitted:]
            self.set_y(y + _PAD_Y)
            self.rule(self.get_y())
            if remaining:
                self.continue_table()

    def draw_numbers(self, row: _Row, y: float) -> None:
        self.style(_BODY)
        x = self.l_margin + self.col_widths[0]
        for text, width in zip(row.numbers, self.col_widths[1:], strict=True):
            self.put(x + _PAD_X, y, width - 2 * _PAD_X, _LH_BODY, text, "R")
            x += width

    def line_items(self, rows: list[_Row]) -> None:
        self.measure_columns(rows)
        if self.room() < 7 + 2 * _PAD_Y + _LH_BODY:
            self.add_page()
        self.table_header()
        for row in rows:
            self.draw_row(row)
        if not rows:
            self.style(_BODY, color=_MUTED)
            self.put(self.l_margin + _PAD_X, self.get_y() + _PAD_Y, 80, _LH_BODY, "No line items")
            self.set_y(self.get_y() + _LH_BODY + 2 * _PAD_Y)
            self.rule(self.get_y())

    # ------------------------------------------------ totals and payment

    def total_rows(self) -> list[tuple[str, str, bool]]:
        doc = self.doc
        rows = [
            ("Subtotal", _money(doc.subtotal, doc.currency), False),
            ("Tax", _money(doc.tax_total, doc.currency), False),
            ("Total", _money(doc.total, doc.currency), True),
        ]
        if doc.amount_due != doc.total:
            rows.append(("Paid or credited", _money(doc.amount_due - doc.total, doc.currency), False))
        return rows

    def totals_height(self) -> float:
        return len(self.total_rows()) * 6.0 + 3 + 10

    def draw_totals(self, x: float, y: float, w: float) -> None:
        for label, value, strong in self.total_rows():
            if strong:
                self.set_draw_color(*_RULE)
                self.set_line_width(0.2)
                self.line(x, y + 0.5, x + w, y + 0.5)
                y += 1.5
            self.style(_BODY, bold=strong, color=_INK if strong else (75, 85, 99))
            self.put(x + _PAD_X, y, w / 2, 6, label)
            self.put(x + w / 2, y, w / 2 - _PAD_X, 6, value, "R")
            y += 6

        y += 1.5
        self.set_fill_color(*_BAND)
        self.rect(x, y, w, 10, style="F", round_corners=True, corner_radius=1.2)
        self.style(10.5, bold=True)
        self.put(x + _PAD_X, y, w / 2, 10, "Amount due")
        self.put(x + w / 2, y, w / 2 - _PAD_X, 10, _money(self.doc.amount_due, self.doc.currency), "R")

    def payment_height(self, width: float) -> float:
        doc = self.doc
        if not doc.payment_url and not doc.payment_instructions:
            return 0.0
        height = 6.0
        if doc.payment_instructions:
            self.style(8.5)
            height += len(self.wrap(doc.payment_instructions, width)) * 4.2 + 2
        if doc.payment_url:
            self.style(_SMALL)
            height += 11 + len(self.wrap(doc.payment_url, width)) * 3.6
        return height

    def draw_payment(self, x: float, y: float, w: float) -> None:
        doc = self.doc
        if not doc.payment_url and not doc.payment_instructions:
            return

        self.label_text(x, y, w, "Payment")
        y += 6
        if doc.payment_instructions:
            self.style(8.5, color=(55, 65, 81))
            y = self.paragraph(x, y, w, 4.2, doc.payment_instructions) + 2
        if doc.payment_url:
            self.pay_button(x, y, doc.payment_url)
            self.style(_SMALL, color=_ACCENT)
            end = self.paragraph(x, y + 10, w, 3.6, doc.payment_url)
            width = min(w, self.get_string_width(doc.payment_url))
            self.link(x, y + 10, width, end - y - 10, doc.payment_url)

    def pay_button(self, x: float, y: float, url: str) -> None:
        self.style(9, bold=True, color=_WHITE)
        width = self.get_string_width("Pay online") + 12
        self.set_fill_color(*_ACCENT)
        self.rect(x, y, width, 7.5, style="F", round_corners=True, corner_radius=1.5)
        self.put(x, y, width, 7.5, "Pay online", "C")
        self.link(x, y, width, 7.5, url)

    def closing(self) -> None:
        totals_w = 80.0
        gap = 10.0
        payment_w = self.usable_width - totals_w - gap
        needed = max(self.totals_height(), self.payment_height(payment_w)) + 6
        if needed > self.room():
            self.add_page()

        y = self.get_y() + 6
        self.draw_totals(self.w - self.r_margin - totals_w, y, totals_w)
        self.draw_payment(self.l_margin, y, payment_w)


# ---------------------------------------------------------------- entry point


def _rows(document: InvoiceDocument) -> list[_Row]:
    currency = document.currency
    return [
        _Row(
            description=line.description,
            period=_period(line),
            numbers=(
                f"{line.quantity:,}",
                _money(line.unit_price, currency),
                _money(line.tax_amount, currency),
                _money(line.amount, currency),
            ),
        )
        for line in document.lines
    ]


def _all_texts(document: InvoiceDocument, rows: list[_Row]) -> Iterator[str]:
    for party in (document.seller, document.customer):
        yield party.name
        yield from party.address_lines
        yield party.email or ""
        yield party.tax_id or ""
    for row in rows:
        yield row.description
        yield row.period or ""
        yield from row.numbers
    for optional in (document.invoice_number, document.po_number, document.order_number):
        yield optional or ""
    yield document.payment_instructions or ""
    yield document.payment_url or ""
    for amount in (document.subtotal, document.tax_total, document.total, document.amount_due):
        yield _money(amount, document.currency)


def _creation_date(issue_date: date) -> datetime:
    return datetime.combine(issue_date, time(0, 0), tzinfo=UTC)


def render_invoice_pdf(document: InvoiceDocument) -> bytes:
    """Render an invoice as PDF bytes.

    Layout: seller and invoice details on top, the bill-to block with the amount due,
    a line-item table whose header repeats on every page, totals, payment
    instructions with a "Pay online" link, and a footer "Invoice N · Page x of y".
    Money is formatted with babel in the invoice currency and its minor units.

    The same document always renders to the same bytes. Raises ``ValueError`` for a
    paper size other than "A4" or "Letter".
    """
    paper = _PAPERS.get(document.paper.strip().upper())
    if paper is None:
        raise ValueError(f"unsupported paper size: {document.paper!r} (use 'A4' or 'Letter')")

    doc = _clean_document(document)
    rows = _rows(doc)
    fallbacks = _needed_families(_all_texts(doc, rows))

    pdf = _InvoicePDF(doc, paper)
    for family in (_PRIMARY, *fallbacks):
        for style in _FAMILIES[family]:
            _attach_font(pdf, family, style)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    if _HAS_SHAPING and _SHAPED_FAMILIES.intersection(fallbacks):
        pdf.set_text_shaping(True)

    pdf.set_creation_date(_creation_date(doc.issue_date))
    pdf.set_title(f"Invoice {pdf.label}")
    pdf.set_author(doc.seller.name)
    pdf.set_subject(f"Invoice for {doc.customer.name}")
    pdf.set_creator("order-activation")
    pdf.set_lang("en")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_BOTTOM)
    pdf.c_margin = 0

    pdf.add_page()
    pdf.first_page()
    pdf.line_items(rows)
    pdf.closing()
    return bytes(pdf.output())
