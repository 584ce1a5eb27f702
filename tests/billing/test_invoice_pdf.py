"""The invoice PDF opens, and says what Swedish law asks an invoice to say."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from joans.billing import invoices as invoice_service
from joans.billing.pdf import render_invoice_pdf
from joans.extensions import db
from joans.models.catalogue import Product
from tests.orders import confirmed_order, products

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf_text(data: bytes) -> str:
    """The text of every page, with runs of spaces collapsed."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def issued(app, *, language="sv", buyer=None, credit=False):
    ids = products(app)
    with app.app_context():
        db.session.get(Product, ids["email-account"]).vat_percent = 12
        db.session.commit()
    order_id = confirmed_order(
        app, codes=("hosting-small", "email-account"), domains=("ab.se",), language=language,
        buyer=buyer,
    )  # fmt: skip
    with app.app_context():
        invoice = invoice_service.issue_invoice(order_id, actor_id=None, today=date(2026, 3, 2))
        if credit:
            invoice = invoice_service.issue_credit_note(
                invoice.id, reason="Fel adress", actor_id=None, today=date(2026, 3, 5)
            )
        invoice = invoice_service.find_invoice(invoice.id)
        return invoice, render_invoice_pdf(invoice)


def test_the_pdf_opens_and_holds_the_legal_fields_in_swedish(app):
    """Number, dates, both VAT numbers, seller's registered office, F-tax, VAT per rate, OCR."""
    invoice, data = issued(app)
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1  # the seller's footer fits on it too
    text = pdf_text(data)
    config = app.config
    for expected in (
        "Faktura",
        "Fakturanummer 1",
        "Fakturadatum 2026-03-02",
        "Förfallodag 2026-04-01",
        f"OCR-nummer {invoice.ocr}",
        "Exempel AB",
        "Organisationsnummer: 556036-0793",
        "Momsregistreringsnummer: SE556036079301",
        config["SELLER_NAME"],
        f"Momsregistreringsnummer: {config['SELLER_VAT_NUMBER']}",
        f"Organisationsnummer: {config['SELLER_ORGANISATION_NUMBER']}",
        f"Säte: {config['SELLER_REGISTERED_OFFICE']}",
        "Godkänd för F-skatt",
        f"Bankgiro: {config['SELLER_BANKGIRO']}",
        "Summa exklusive moms",
        "Moms 25 % på 348,00 kr 87,00 kr",
        "Moms 12 % på 49,00 kr 5,88 kr",
        "Att betala 489,88 kr",
        "Domänregistrering .se: ab.se",
        "Er referens Anna Andersson",
    ):
        assert expected in text, expected


def test_an_english_invoice_speaks_english(app):
    """The invoice follows the order's language."""
    _, data = issued(app, language="en")
    text = pdf_text(data)
    assert "Invoice number 1" in text
    assert "Approved for F-tax" in text
    assert "VAT 25 % on SEK 348.00" in text


def test_a_credit_note_names_the_invoice_it_cancels(app):
    """Credit note, the original's number and date, the reason, negative totals, nothing to pay."""
    _, data = issued(app, credit=True)
    text = pdf_text(data)
    assert "Kreditfaktura" in text
    assert "makulerar faktura 1 från 2026-03-02" in text
    assert "Orsak: Fel adress" in text
    assert "Att kreditera -489,88 kr" in text
    assert "Bankgiro" not in text.split("Att kreditera")[1]


def test_the_same_invoice_always_gives_the_same_document(app):
    """Drawn from the immutable row, with fixed metadata: the download equals the attachment."""
    invoice, data = issued(app)
    with app.app_context():
        again = render_invoice_pdf(invoice_service.find_invoice(invoice.id))
    assert again == data


def test_names_outside_latin_1_are_approximated_with_the_built_in_font(app):
    """Helvetica cannot draw "ő"; the PDF still renders, with "o", and the row keeps "ő"."""
    invoice, data = issued(app, buyer={"company_name": "Kovács Bőr Kft"})
    assert invoice.buyer_name == "Kovács Bőr Kft"
    assert "Kovács Bor Kft" in pdf_text(data)


@pytest.mark.skipif(not DEJAVU.exists(), reason="Debian's fonts-dejavu-core is not installed")
def test_a_configured_truetype_font_prints_any_name_exactly(app):
    """With INVOICE_PDF_FONT the buyer's name is printed as written."""
    app.config["INVOICE_PDF_FONT"] = str(DEJAVU)
    _, data = issued(app, buyer={"company_name": "Łódź Bőr Sp. z o.o."})
    assert "Łódź Bőr Sp. z o.o." in pdf_text(data)
