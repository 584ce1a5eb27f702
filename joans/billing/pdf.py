"""The invoice as a PDF (fpdf2), with what Swedish law asks an invoice to say.

Mervärdesskattelagen (2023:200) 17 kap. 24 §: issue date, serial number, both parties' names
and addresses, the seller's VAT number (and the buyer's when given), what was sold, the taxable
amount and the VAT per rate, the total. Aktiebolagslagen 1 kap. 9 §: the company's registered
office. Skatteförfarandelagen 9 kap.: the F-tax approval. A credit note names the invoice it
corrects. The PDF is drawn from the immutable invoice row, so the same invoice always gives the
same document.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, time

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from joans.models.invoices import Invoice
from joans.money import format_money

MARGIN = 18
LINE = 5.5
CORE_FONT = "Helvetica"
FONT_FAMILY = "InvoiceFont"


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as PDF bytes, in the invoice's language."""
    with force_locale(invoice.language):
        document = _InvoiceDocument(invoice, current_app.config["INVOICE_PDF_FONT"])
        document.draw()
        return bytes(document.output())


class _InvoiceDocument(FPDF):
    def __init__(self, invoice: Invoice, font_path: str | None) -> None:
        super().__init__(format="A4")
        self.invoice = invoice
        self.language = invoice.language
        if font_path:
            self.add_font(FONT_FAMILY, "", font_path)
            self.add_font(FONT_FAMILY, "B", font_path)
            self.family = FONT_FAMILY
            self.unicode_font = True
        else:
            self.family = CORE_FONT
            self.unicode_font = False
            self.core_fonts_encoding = "windows-1252"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=30)
        # Fixed metadata: the document depends on the invoice alone.
        issued = datetime.combine(invoice.issue_date, time(12), UTC)
        self.set_creation_date(issued)
        self.set_title(self.text(self._title()))
        self.set_author(self.text(invoice.seller_name))
        self.set_lang(invoice.language)

    def text(self, value: str) -> str:
        """``value`` as the font can draw it; the built-in font knows Windows-1252 only."""
        if self.unicode_font:
            return value
        value = value.replace("\u202f", " ").replace("\u2009", " ")
        try:
            value.encode("windows-1252")
            return value
        except UnicodeEncodeError:
            return "".join(_approximate(character) for character in value)

    def _title(self) -> str:
        return _("Credit note") if self.invoice.is_credit_note else _("Invoice")

    def money(self, ore: int) -> str:
        """An amount in the invoice's language."""
        return format_money(ore, self.language)

    def write_line(self, value: str, *, bold: bool = False, size: float = 10, width=0) -> None:
        """One line of text, then a line break."""
        self.set_font(self.family, "B" if bold else "", size)
        self.cell(width, LINE, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def draw(self) -> None:
        """Every part of the invoice, top to bottom."""
        self.add_page()
        self._heading()
        self._parties()
        if self.invoice.is_credit_note:
            self._credit_reference()
        self._lines()
        self._totals()
        if not self.invoice.is_credit_note:
            self._payment()

    def _heading(self) -> None:
        invoice = self.invoice
        self.write_line(invoice.seller_name, bold=True, size=16)
        self.write_line(self._title(), bold=True, size=13)
        self.ln(2)
        facts = [
            (_("Invoice number"), str(invoice.number)),
            (_("Invoice date"), invoice.issue_date.isoformat()),
        ]
        if invoice.due_date:
            facts.append((_("Due date"), invoice.due_date.isoformat()))
        if invoice.ocr:
            facts.append((_("OCR reference"), invoice.ocr))
        if invoice.order_number:
            facts.append((_("Order number"), invoice.order_number))
        facts.append((_("Your reference"), invoice.buyer_reference))
        for label, value in facts:
            self.set_font(self.family, "", 10)
            self.cell(45, LINE, self.text(label))
            self.set_font(self.family, "B", 10)
            self.cell(0, LINE, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def _parties(self) -> None:
        invoice = self.invoice
        self.write_line(_("Buyer"), bold=True)
        self.write_line(invoice.buyer_name)
        self.write_line(invoice.buyer_street)
        self.write_line(f"{invoice.buyer_postal_code} {invoice.buyer_city}")
        number_label = (
            _("Personal identity number")
            if len(invoice.buyer_organisation_number) == 13
            else _("Organisation number")
        )
        self.write_line(f"{number_label}: {invoice.buyer_organisation_number}")
        if invoice.buyer_vat_number:
            self.write_line(labelled(_("VAT number"), invoice.buyer_vat_number))
        self.ln(4)

    def _credit_reference(self) -> None:
        original = self.invoice.credited_invoice
        self.write_line(
            _(
                "This credit note cancels invoice %(number)s of %(date)s in full.",
                number=original.number,
                date=original.issue_date.isoformat(),
            ),
            bold=True,
        )
        if self.invoice.reason:
            self.set_font(self.family, "", 10)
            self.multi_cell(0, LINE, self.text(labelled(_("Reason"), self.invoice.reason)))
        self.ln(3)

    def _lines(self) -> None:
        widths = (82, 14, 30, 14, 34)
        headings = (_("Description"), _("Qty"), _("Unit price"), _("VAT"), _("Amount"))
        self.set_font(self.family, "B", 9)
        for width, heading, align in zip(widths, headings, "LRRRR", strict=True):
            self.cell(width, LINE + 1, self.text(heading), border="B", align=align)
        self.ln()
        self.set_font(self.family, "", 9)
        for line in self.invoice.lines:
            top = self.get_y()
            self.multi_cell(
                widths[0], LINE, self.text(line.description), new_x="RIGHT", new_y="TOP"
            )
            bottom = self.get_y() + LINE
            self.set_xy(self.l_margin + widths[0], top)
            cells = (str(line.quantity), self.money(line.unit_price_ore),
                     f"{line.vat_percent} %", self.money(line.net_ore))  # fmt: skip
            for width, value in zip(widths[1:], cells, strict=True):
                self.cell(width, LINE, self.text(value), align="R")
            self.set_xy(self.l_margin, max(bottom, self.get_y() + LINE))
        self.ln(2)

    def _totals(self) -> None:
        invoice = self.invoice
        label_width, value_width = 140, 34
        rows = [(_("Total excluding VAT"), self.money(invoice.net_ore), False)]
        for rate, net, vat in invoice.vat_by_rate():
            rows.append((_("VAT %(rate)s %% on %(net)s", rate=rate, net=self.money(net)),
                         self.money(vat), False))  # fmt: skip
        label = _("Total to credit") if invoice.is_credit_note else _("Total to pay")
        rows.append((label, self.money(invoice.total_ore), True))
        for label, value, bold in rows:
            self.set_font(self.family, "B" if bold else "", 10)
            self.cell(label_width, LINE + 0.5, self.text(label), align="R")
            self.cell(value_width, LINE + 0.5, self.text(value), align="R",
                      new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        self.ln(4)

    def _payment(self) -> None:
        invoice = self.invoice
        self.write_line(_("Payment"), bold=True)
        self.write_line(labelled(_("Bankgiro"), invoice.seller_bankgiro))
        self.write_line(labelled(_("OCR reference"), invoice.ocr))
        self.write_line(labelled(_("Due date"), invoice.due_date.isoformat()))
        self.set_font(self.family, "", 9)
        late = _("Late payment is charged interest according to the Interest Act (räntelagen).")
        self.multi_cell(0, LINE, self.text(late))

    def footer(self) -> None:
        """The seller's details at the foot of every page (fpdf2 calls this per page)."""
        invoice = self.invoice
        self.set_y(-32)
        self.set_font(self.family, "", 8)
        parts = [
            invoice.seller_name,
            invoice.seller_address,
            labelled(_("Registered office"), invoice.seller_registered_office),
            labelled(_("Organisation number"), invoice.seller_organisation_number),
            labelled(_("VAT number"), invoice.seller_vat_number),
            invoice.seller_email,
        ]
        if invoice.seller_f_tax:
            parts.append(_("Approved for F-tax"))
        self.multi_cell(0, 4, self.text(" · ".join(parts)), border="T", align="C")


def labelled(label: str, value: object) -> str:
    """ "Label: value", as every fact on the invoice is printed."""
    return f"{label}: {value}"


def _approximate(character: str) -> str:
    # A letter the built-in font lacks is drawn without its accents ("ł" stays "?", "ő" is "o").
    try:
        character.encode("windows-1252")
        return character
    except UnicodeEncodeError:
        base = unicodedata.normalize("NFKD", character).encode("windows-1252", "ignore")
        return base.decode("windows-1252") or "?"
